// Volumes: directories under ROOT/volumes/NAME/_data bound into containers.
//  -v NAME:/path[:ro]  a named volume (made on first use), as Docker
//  -v /path            an anonymous volume (a random 64-hex name)
//  VOLUME in the image an anonymous volume for each path no mount covers
// A volume made for a run starts with the image's content at its path, as
// Docker copies it (volume-seed.ts). Anonymous volumes are kept in the
// container's record: `run --rm` and `rm -v` remove them with the container,
// `start`/`restart` use them again; named volumes stay until `volume rm`.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { TsbuildError, usageError } from '../../errors.js';
import type { MountOption } from '../run-options.js';
import { containerDir, listContainerIds } from '../state.js';
import { readRecord, type AnonymousVolume } from './record.js';
import { randomHex } from '../../random-hex.js';

/** the volumes of one run: anonymous ones (made or reused) and those made now (to seed) */
export interface VolumePlan {
  anonymous: AnonymousVolume[];
  /** volumes created by this run, with the container path they are mounted on */
  fresh: { data: string; target: string }[];
  /** start/restart: the container's anonymous volumes, by target */
  reuse: readonly AnonymousVolume[];
}

export function volumePlan(reuse: readonly AnonymousVolume[] = []): VolumePlan {
  return { anonymous: [], fresh: [], reuse };
}

function normTarget(p: string): string {
  return path.posix.normalize(p.startsWith('/') ? p : `/${p}`).replace(/\/+$/, '') || '/';
}

/** an anonymous volume for TARGET: the container's own one again, or a new one */
function anonymousFor(root: string, target: string, plan: VolumePlan | undefined): string {
  const t = normTarget(target);
  const old = plan?.reuse.find((a) => a.target === t);
  if (old && existsSync(volumeData(root, old.name))) {
    plan?.anonymous.push(old);
    return volumeData(root, old.name);
  }
  const name = randomHex(32);
  const data = createVolume(root, name);
  plan?.anonymous.push({ name, target: t });
  plan?.fresh.push({ data, target: t });
  return data;
}

/** a named volume, made when it does not exist yet; seeded when it is empty (as Docker's) */
function namedFor(root: string, name: string, target: string, plan: VolumePlan | undefined): string {
  const data = volumeData(root, name);
  if (existsSync(data) && readdirSync(data).length > 0) return data;
  createVolume(root, name);
  plan?.fresh.push({ data, target: normTarget(target) });
  return data;
}

/** removes the anonymous volumes of a container (`run --rm`, `rm -v`); a missing one is fine */
export function removeAnonymousVolumes(root: string, vols: readonly AnonymousVolume[]): void {
  for (const v of vols) rmSync(path.dirname(volumeData(root, v.name)), { recursive: true, force: true });
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function volumesDir(root: string): string {
  return path.join(root, 'volumes');
}

export function volumeData(root: string, name: string): string {
  if (!NAME.test(name)) throw usageError(`${JSON.stringify(name)} is not a valid volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)`);
  return path.join(volumesDir(root), name, '_data');
}

export function createVolume(root: string, name: string = randomHex(32)): string {
  const data = volumeData(root, name);
  mkdirSync(data, { recursive: true, mode: 0o755 });
  return data;
}

/** after a run: its anonymous volumes go with a --rm container, or with one that never started */
export function releaseRunVolumes(root: string, rm: boolean, started: boolean, plan: VolumePlan): void {
  if (plan.anonymous.length === 0) return;
  if (rm || !started) removeAnonymousVolumes(root, plan.anonymous);
}

/** -v values with a volume source → -v values with its host dir (pure but for mkdir) */
export function expandVolumeFlags(root: string, values: readonly string[], plan?: VolumePlan): string[] {
  return values.map((v) => {
    const parts = v.split(':');
    if (parts.length === 1 && v.startsWith('/')) return `${anonymousFor(root, v, plan)}:${v}`;
    const [source, ...rest] = parts;
    if (source !== undefined && rest.length > 0 && !source.startsWith('/') && NAME.test(source)) return [namedFor(root, source, rest[0] as string, plan), ...rest].join(':');
    return v;
  });
}

/** the image's VOLUME paths that no mount covers → anonymous volume binds */
export function imageVolumeMounts(root: string, imageVolumes: Record<string, unknown> | undefined, mounts: readonly MountOption[], plan?: VolumePlan): MountOption[] {
  const taken = new Set(mounts.map((m) => m.target.replace(/\/+$/, '') || '/'));
  const out: MountOption[] = [];
  for (const p of Object.keys(imageVolumes ?? {})) {
    const target = normTarget(p);
    if (taken.has(target)) continue;
    taken.add(target);
    out.push({ type: 'bind', source: anonymousFor(root, target, plan), target, readonly: false, flag: `VOLUME ${p}` });
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

/**
 * The containers (running or not) that mount a volume, from their records:
 * the records are read once, the returned function answers for each NAME.
 */
export async function volumeUsers(root: string): Promise<(name: string) => string[]> {
  const records = (await listContainerIds(root)).map((id) => ({ id, r: readRecord(containerDir(root, id)) }));
  return (name) => {
    const data = volumeData(root, name);
    return records.filter(({ r }) => r?.binds?.some((b) => b.source === data) || r?.anonymousVolumes?.some((a) => a.name === name)).map(({ id }) => id);
  };
}
