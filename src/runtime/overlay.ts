// The container's root filesystem. Pure part: the overlay mount options from
// store paths (lowers topmost first, upper, work), every path escaped for
// `\`, `,` and `:` as rkt's common/overlay/overlay.go does, and the features
// that would make an upper dir unportable switched off explicitly. I/O part:
// the per-container upper/work dirs, and the vfs fallback (a plain copy).
import { mkdirSync, rmSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../errors.js';

/** legacy mount(2) passes options in one page */
export const MAX_OVERLAY_OPTIONS = 4095;

export const OVERLAY_FIXED_OPTIONS = ['redirect_dir=off', 'metacopy=off', 'index=off'] as const;

/** escapes the characters overlayfs gives meaning to in an option value */
export function escapeOverlayPath(p: string): string {
  return p.replace(/[\\,:]/g, (c) => `\\${c}`);
}

export interface OverlayLayout {
  /** read-only layers, topmost first */
  lowers: readonly string[];
  /** writable top layer; with workdir. Both absent: a read-only overlay (needs ≥ 2 lowers) */
  upper?: string;
  work?: string;
  /**
   * write the paths relative to this dir (the mount runs with it as the
   * working directory), so the container's mount table shows no host paths
   */
  baseDir?: string;
}

export function overlayOptions(layout: OverlayLayout): string {
  const { lowers, upper, work, baseDir } = layout;
  if (lowers.length === 0) throw new TsbuildError('runtime', 'OVERLAY_OPTIONS', 'overlay needs at least one lower layer');
  if ((upper === undefined) !== (work === undefined)) throw new TsbuildError('runtime', 'OVERLAY_OPTIONS', 'overlay upperdir and workdir go together');
  if (upper === undefined && lowers.length < 2) throw new TsbuildError('runtime', 'OVERLAY_OPTIONS', 'a read-only overlay needs at least two lower layers');
  for (const p of [...lowers, upper, work]) {
    if (p === undefined) continue;
    if (!path.isAbsolute(p)) throw new TsbuildError('runtime', 'OVERLAY_OPTIONS', `overlay paths must be absolute: ${p}`);
    if (p.includes('\0') || p.includes('\n')) throw new TsbuildError('runtime', 'OVERLAY_OPTIONS', `overlay path has a NUL or newline: ${JSON.stringify(p)}`);
  }
  if (baseDir !== undefined && !path.isAbsolute(baseDir)) throw new TsbuildError('runtime', 'OVERLAY_OPTIONS', `overlay base dir must be absolute: ${baseDir}`);
  const rel = (p: string): string => escapeOverlayPath(baseDir === undefined ? p : path.relative(baseDir, p) || '.');
  const opts = [`lowerdir=${lowers.map(rel).join(':')}`];
  if (upper !== undefined && work !== undefined) opts.push(`upperdir=${rel(upper)}`, `workdir=${rel(work)}`);
  opts.push(...OVERLAY_FIXED_OPTIONS);
  const s = opts.join(',');
  if (s.length > MAX_OVERLAY_OPTIONS) {
    throw new TsbuildError('runtime', 'OVERLAY_OPTIONS', `overlay options are ${s.length} bytes (${lowers.length} layers), more than mount(2) takes (${MAX_OVERLAY_OPTIONS})`);
  }
  return s;
}

export interface ContainerLayerDirs {
  /** the container's writable top layer */
  upper: string;
  work: string;
  /** where the root is mounted inside the container's mount namespace */
  merged: string;
}

/** the per-container dirs under ROOT/containers/ID/ (not created) */
export function containerLayerDirs(containerDir: string): ContainerLayerDirs {
  return { upper: path.join(containerDir, 'upper'), work: path.join(containerDir, 'work'), merged: path.join(containerDir, 'merged') };
}

/** Creates a fresh, empty upper/work/merged set; fails if one already exists. */
export async function makeContainerLayerDirs(containerDir: string): Promise<ContainerLayerDirs> {
  const dirs = containerLayerDirs(containerDir);
  for (const d of [dirs.upper, dirs.work, dirs.merged]) mkdirSync(d, { mode: 0o755 });
  return dirs;
}

/** an empty work dir at WORK (overlayfs wants one it owns: a mount leaves a root-owned, mode-000 'work' inside) */
export function freshWorkDir(work: string): void {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { mode: 0o755 });
}

/**
 * `start`/`restart`: the container's dirs once more — the upper dir as it was
 * (the container's changes survive a restart, as in Docker), a fresh work dir
 * and the mount point.
 */
export async function reuseContainerLayerDirs(containerDir: string): Promise<ContainerLayerDirs> {
  const dirs = containerLayerDirs(containerDir);
  mkdirSync(dirs.upper, { mode: 0o755, recursive: true });
  freshWorkDir(dirs.work);
  mkdirSync(dirs.merged, { mode: 0o755, recursive: true });
  return dirs;
}

export async function removeContainerLayerDirs(containerDir: string): Promise<void> {
  const dirs = containerLayerDirs(containerDir);
  // work/ holds a root-owned, mode-000 'work' dir after a mount: rm -r handles it as root
  for (const d of [dirs.work, dirs.upper, dirs.merged]) await rm(d, { recursive: true, force: true });
}

/** is dir an empty directory? (for tests and checks) */
export async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir)).length === 0;
}
