// Docker credential helpers: `credsStore` (one helper for every registry)
// and `credHelpers` (a helper per registry) in the Docker config name a
// program docker-credential-NAME on PATH. `get` reads the server URL on stdin
// and prints {"ServerURL","Username","Secret"}; `store` reads that JSON;
// `erase` reads the server URL. Run with an argv array and the caller's env.
import { execa } from 'execa';
import { TsbuildError } from '../../errors.js';
import type { Credentials } from './credentials.js';

/** the user name a helper gives (and Docker's config implies) with an identity token as the secret */
export const IDENTITY_TOKEN_USER = '<token>';

export interface HelperConfig {
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** Pure: the helper for a registry (credHelpers under any of its keys wins over credsStore). */
export function helperFor(config: HelperConfig, keys: readonly string[]): string | undefined {
  const per = config.credHelpers ?? {};
  for (const k of keys) {
    const h = per[k];
    if (typeof h === 'string' && h !== '') return h;
  }
  return typeof config.credsStore === 'string' && config.credsStore !== '' ? config.credsStore : undefined;
}

export function helperProgram(name: string): string {
  return `docker-credential-${name}`;
}

/** What helpers print when they have nothing for the server (docker-credential-helpers' ErrCredentialsNotFound). */
function isNotFound(text: string): boolean {
  return /credentials not found/i.test(text);
}

async function runHelper(name: string, verb: 'get' | 'store' | 'erase', input: string, env: NodeJS.ProcessEnv): Promise<{ ok: boolean; out: string }> {
  const program = helperProgram(name);
  const r = await execa(program, [verb], { input, env, extendEnv: false, reject: false, shell: false, timeout: 60_000 });
  const out = `${typeof r.stdout === 'string' ? r.stdout : ''}`.trim();
  const err = `${typeof r.stderr === 'string' ? r.stderr : ''}`.trim();
  if (r.exitCode === 0) return { ok: true, out };
  if (verb !== 'store' && isNotFound(`${out}\n${err}`)) return { ok: false, out };
  const why = r.exitCode === undefined && !r.signal ? `could not be started (${(r.cause as Error | undefined)?.message ?? 'not found on PATH?'})` : r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
  throw new TsbuildError('image', 'CREDENTIAL_HELPER', `credential helper ${program} ${verb}: ${why}${err || out ? `: ${(err || out).split('\n').at(-1)}` : ''}`, { cause: r.cause });
}

/** The helper's credentials for a server, or undefined when it has none. */
export async function helperGet(name: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<Credentials | undefined> {
  const r = await runHelper(name, 'get', serverUrl, env);
  if (!r.ok) return undefined;
  let j: { Username?: unknown; Secret?: unknown };
  try {
    j = JSON.parse(r.out) as typeof j;
  } catch (err) {
    throw new TsbuildError('image', 'CREDENTIAL_HELPER', `credential helper ${helperProgram(name)} get printed no JSON for ${serverUrl}`, { cause: err });
  }
  if (typeof j.Username !== 'string' || typeof j.Secret !== 'string' || j.Secret === '') return undefined;
  if (j.Username === IDENTITY_TOKEN_USER) return { username: j.Username, password: '', identityToken: j.Secret };
  return { username: j.Username, password: j.Secret };
}

export async function helperStore(name: string, serverUrl: string, creds: Credentials, env: NodeJS.ProcessEnv): Promise<void> {
  await runHelper(name, 'store', JSON.stringify({ ServerURL: serverUrl, Username: creds.username, Secret: creds.password }), env);
}

/** True when the helper had something to erase. */
export async function helperErase(name: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await runHelper(name, 'erase', serverUrl, env)).ok;
}
