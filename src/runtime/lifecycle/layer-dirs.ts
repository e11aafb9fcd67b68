// `start`/`restart`: the container's overlay dirs once more — the upper dir
// as it was (the container's changes survive a restart, as in Docker), a
// fresh, empty work dir (overlayfs wants one it owns) and the mount point.
import { mkdirSync, rmSync } from 'node:fs';
import { containerLayerDirs, type ContainerLayerDirs } from '../overlay.js';

export async function reuseContainerLayerDirs(containerDir: string): Promise<ContainerLayerDirs> {
  const dirs = containerLayerDirs(containerDir);
  mkdirSync(dirs.upper, { mode: 0o755, recursive: true });
  rmSync(dirs.work, { recursive: true, force: true });
  mkdirSync(dirs.work, { mode: 0o755 });
  mkdirSync(dirs.merged, { mode: 0o755, recursive: true });
  return dirs;
}
