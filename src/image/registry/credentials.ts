// Credentials in Docker's config file ($DOCKER_CONFIG/config.json, else
// ~/.docker/config.json): `auths.<registry>.auth` is base64 of `user:pass`,
// so logins made with docker, podman --compat or skopeo work here and ours
// work there. Written whole by temp file + rename; other keys are kept.
// When the config names a credential helper for the registry (credHelpers,
// else credsStore), the secret lives in the helper (cred-helper.ts) and the
// file keeps only an empty `auths` entry, as Docker does.
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TsbuildError } from '../../errors.js';
import { helperErase, helperFor, helperGet, helperProgram, helperStore, IDENTITY_TOKEN_USER } from './cred-helper.js';
import { credentialKey, dockerHubAuthKey, dockerHubDomain } from './endpoint.js';

export interface Credentials {
  username: string;
  password: string;
  /**
   * an identity token (an OAuth2 refresh token) instead of the password: from
   * the config's `identitytoken`, or a credential helper's `<token>` user
   */
  identityToken?: string;
}

export interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

export function encodeAuth(c: Credentials): string {
  return Buffer.from(`${c.username}:${c.password}`, 'utf8').toString('base64');
}

export function decodeAuth(auth: string): Credentials | undefined {
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The keys a registry's entry may be stored under (Docker Hub has several spellings; URLs are allowed). */
function candidateKeys(registry: string): string[] {
  if (registry === dockerHubDomain) return [dockerHubAuthKey, 'docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

/** Pure: finds the credentials for a registry in a parsed config. */
export function lookupCredentials(config: DockerConfig, registry: string): Credentials | undefined {
  const auths = config.auths ?? {};
  for (const key of candidateKeys(registry)) {
    const e = auths[key];
    if (!e) continue;
    if (e.identitytoken) {
      const username = (e.auth ? decodeAuth(e.auth)?.username : undefined) ?? e.username ?? IDENTITY_TOKEN_USER;
      return { username, password: '', identityToken: e.identitytoken };
    }
    if (e.auth) {
      const c = decodeAuth(e.auth);
      if (c) return c;
    }
    if (e.username && e.password !== undefined) return { username: e.username, password: e.password };
  }
  return undefined;
}

/** Pure: the credential helper that keeps this registry's secret, if the config names one. */
export function credentialHelperFor(config: DockerConfig, registry: string): string | undefined {
  return helperFor(config, candidateKeys(registry));
}

/**
 * Pure: the config with the registry's login set (or removed with
 * `undefined`). With `inHelper`, the entry is left empty (the secret is in
 * the credential helper).
 */
export function withCredentials(config: DockerConfig, registry: string, creds: Credentials | undefined, inHelper = false): { config: DockerConfig; changed: boolean } {
  const auths = { ...(config.auths ?? {}) };
  let changed = false;
  for (const key of candidateKeys(registry)) {
    if (key in auths) {
      delete auths[key];
      changed = true;
    }
  }
  if (creds) {
    auths[credentialKey(registry)] = inHelper ? {} : { auth: encodeAuth(creds) };
    changed = true;
  }
  return { config: { ...config, auths }, changed };
}

export async function readDockerConfig(env: NodeJS.ProcessEnv): Promise<DockerConfig> {
  const file = dockerConfigPath(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new TsbuildError('image', 'DOCKER_CONFIG', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as DockerConfig;
  } catch (err) {
    throw new TsbuildError('image', 'DOCKER_CONFIG', `${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** Writes the config atomically (temp file in the same folder, fsync, rename), mode 0600. */
export async function writeDockerConfig(env: NodeJS.ProcessEnv, config: DockerConfig): Promise<string> {
  const file = dockerConfigPath(env);
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = path.join(dir, `.config.json.${process.pid}.${randomBytes(6).toString('hex')}`);
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(JSON.stringify(config, null, '\t') + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new TsbuildError('image', 'DOCKER_CONFIG', `cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
  return file;
}

/** The registry's login: from its credential helper when the config names one, else (or when it has none) from `auths`. */
export async function loadCredentials(env: NodeJS.ProcessEnv, registry: string): Promise<Credentials | undefined> {
  const config = await readDockerConfig(env);
  const helper = credentialHelperFor(config, registry);
  if (helper) {
    const c = await helperGet(helper, credentialKey(registry), env);
    if (c) return c;
  }
  return lookupCredentials(config, registry);
}

export interface StoreResult {
  /** the Docker config file */
  file: string;
  /** docker-credential-NAME when a helper keeps the secret */
  helper?: string;
  changed: boolean;
}

/** Saves (or with `undefined` removes) the registry's login, through its credential helper when there is one. */
export async function storeCredentials(env: NodeJS.ProcessEnv, registry: string, creds: Credentials | undefined): Promise<StoreResult> {
  const current = await readDockerConfig(env);
  const helper = credentialHelperFor(current, registry);
  let helperChanged = false;
  if (helper) {
    if (creds) await helperStore(helper, credentialKey(registry), creds, env);
    else helperChanged = await helperErase(helper, credentialKey(registry), env);
  }
  const { config, changed } = withCredentials(current, registry, creds, helper !== undefined);
  const result: StoreResult = { file: dockerConfigPath(env), changed: changed || helperChanged || (helper !== undefined && creds !== undefined) };
  if (helper) result.helper = helperProgram(helper);
  if (changed) result.file = await writeDockerConfig(env, config);
  return result;
}
