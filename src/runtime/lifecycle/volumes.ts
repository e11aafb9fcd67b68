// Volumes: directories under ROOT/volumes/NAME/_data bound into containers.
//  -v NAME:/path[:ro]  a named volume (made on first use), as Docker
//  -v /path            an anonymous volume (a random 64-hex name)
//  VOLUME in the image an anonymous volume for each path no mount covers
// Anonymous volumes start empty (Docker copies the image's content at the path
// into a new volume; tsbuild does not yet) and stay until `volume rm`.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { TsbuildError, usageError } from '../../errors.js';
import type { MountOption } from '../run-options.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function volumesDir(root: string): string {
  return path.join(root, 'volumes');
}

export function volumeData(root: string, name: string): string {
  if (!NAME.test(name)) throw usageError(`${JSON.stringify(name)} is not a valid volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  return path.join(volumesDir(root), name, '_data');
}

export function createVolume(root: string, name: string = randomBytes(32).toString('hex')): string {
  const data = volumeData(root, name);
  mkdirSync(data, { recursive: true, mode: 0o755 });
  return data;
}

/** -v values with a volume source → -v values with its host dir (pure but for mkdir) */
export function expandVolumeFlags(root: string, values: readonly string[]): string[] {
  return values.map((v) => {
    const parts = v.split(':');
    if (parts.length === 1 && v.startsWith('/')) return `${createVolume(root)}:${v}`;
    const [source, ...rest] = parts;
    if (source !== undefined && rest.length > 0 && !source.startsWith('/') && NAME.test(source)) return [createVolume(root, source), ...rest].join(':');
    return v;
  });
}

/** the image's VOLUME paths that no mount covers → anonymous volume binds */
export function imageVolumeMounts(root: string, imageVolumes: Record<string, unknown> | undefined, mounts: readonly MountOption[]): MountOption[] {
  const taken = new Set(mounts.map((m) => m.target.replace(/\/+$/, '') || '/'));
  const out: MountOption[] = [];
  for (const p of Object.keys(imageVolumes ?? {})) {
    const target = path.posix.normalize(p.startsWith('/') ? p : `/${p}`).replace(/\/+$/, '') || '/';
    if (taken.has(target)) continue;
    out.push({ type: 'bind', source: createVolume(root), target, readonly: false, flag: `VOLUME ${p}` });
  }
  return out;
}

export interface VolumeInfo {
  name: string;
  mountpoint: string;
  created: string;
}

export function listVolumes(root: string): VolumeInfo[] {
  let names: string[];
  try {
    names = readdirSync(volumesDir(root));
  } catch {
    return [];
  }
  return names
    .filter((n) => NAME.test(n))
    .sort()
    .map((name) => ({ name, mountpoint: volumeData(root, name), created: statSync(path.join(volumesDir(root), name)).birthtime.toISOString() }));
}

export function removeVolume(root: string, name: string): void {
  const dir = path.dirname(volumeData(root, name));
  try {
    statSync(dir);
  } catch {
    throw new TsbuildError('runtime', 'NO_SUCH_VOLUME', `no such volume: ${name}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
