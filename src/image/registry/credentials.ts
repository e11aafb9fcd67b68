// Credentials in Docker's config file ($DOCKER_CONFIG/config.json, else
// ~/.docker/config.json): `auths.<registry>.auth` is base64 of `user:pass`,
// so logins made with docker, podman --compat or skopeo work here and ours
// work there. Written whole by temp file + rename; other keys are kept.
// Credential helpers (credsStore) are not run: a config that relies on one
// is reported as such.
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { TsbuildError } from '../../errors.js';
import { credentialKey, dockerHubAuthKey, dockerHubDomain } from './endpoint.js';

export interface Credentials {
  username: string;
  password: string;
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
    if (e.auth) {
      const c = decodeAuth(e.auth);
      if (c) return c;
    }
    if (e.username && e.password !== undefined) return { username: e.username, password: e.password };
  }
  return undefined;
}

/** Pure: the config with the registry's login set (or removed with `undefined`). */
export function withCredentials(config: DockerConfig, registry: string, creds: Credentials | undefined): { config: DockerConfig; changed: boolean } {
  const auths = { ...(config.auths ?? {}) };
  let changed = false;
  for (const key of candidateKeys(registry)) {
    if (key in auths) {
      delete auths[key];
      changed = true;
    }
  }
  if (creds) {
    auths[credentialKey(registry)] = { auth: encodeAuth(creds) };
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

export async function loadCredentials(env: NodeJS.ProcessEnv, registry: string): Promise<Credentials | undefined> {
  return lookupCredentials(await readDockerConfig(env), registry);
}

export async function storeCredentials(env: NodeJS.ProcessEnv, registry: string, creds: Credentials | undefined): Promise<{ file: string; changed: boolean }> {
  const { config, changed } = withCredentials(await readDockerConfig(env), registry, creds);
  if (!changed) return { file: dockerConfigPath(env), changed };
  return { file: await writeDockerConfig(env, config), changed };
}
