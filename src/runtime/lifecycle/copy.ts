// `cp` between a container and the host. A running container's root is
// /proc/PID1/root (its mounts included); the container is frozen while the
// copy runs so that none of its processes can swap a path for a symlink
// between the resolution and the copy. A stopped container's root is an
// overlay of its layers mounted on the host for the copy (root-view.ts):
// read-only to copy out, through its upper dir to copy in (so a copy over an
// image file is a copy-up, as in the running container), with its volumes and
// bind mounts in place (a copy into a volume lands in the volume, as Docker's).
import { lstatSync, statSync } from 'node:fs';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import { freeze, thaw } from '../cgroups/control.js';
import { containerLayerDirs } from '../overlay.js';
import { processStartTime } from '../state.js';
import type { ContainerView } from './lookup.js';
import { cgroupOf } from './resources.js';
import { released } from './released.js';
import { withRootView } from './root-view.js';
import { copyTree, resolveInRoot } from './scoped-path.js';

async function withRoot<T>(v: ContainerView, write: boolean, f: (root: string) => T): Promise<T> {
  if (v.running) return withFrozenRoot(v, f);
  if (!(await released(v.dir))) throw new TsbuildError('runtime', 'CONTAINER_STOPPING', `container ${v.id.slice(0, 12)} is stopping: try again once it has stopped`);
  const { upper, work, rootfs } = v.state.paths;
  if (upper === undefined && rootfs !== undefined) return f(rootfs); // vfs: a plain directory
  const lowers = v.record?.lowers;
  if (upper === undefined || lowers === undefined) throw new TsbuildError('runtime', 'NO_LAYERS', `container ${v.id.slice(0, 12)}: no layers recorded (made by an older tsbuild)`);
  const binds = v.record?.binds ?? [];
  return withRootView(write ? { lowers, upper, work: work ?? containerLayerDirs(v.dir).work, binds } : { lowers: [upper, ...lowers], binds }, f);
}

async function withFrozenRoot<T>(v: ContainerView, f: (root: string) => T): Promise<T> {
  const pid1 = v.state.pid1;
  if (!v.running || pid1 === undefined) throw new TsbuildError('runtime', 'NOT_RUNNING', `container ${v.id.slice(0, 12)} is not running`);
  const h = v.record?.paused ? undefined : await cgroupOf(v);
  if (h) await freeze(h);
  try {
    // PID 1 is the child of the recorded process: still the same container
    if ((await processStartTime(v.state.process?.pid ?? -1)) !== v.state.process?.startTime) throw new TsbuildError('runtime', 'NOT_RUNNING', `container ${v.id.slice(0, 12)} is not running`);
    return f(`/proc/${pid1}/root`);
  } finally {
    if (h) await thaw(h);
  }
}

const exists = (p: string) => {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
};

/** container SRC → host DST (docker cp semantics: into DST when it is a directory) */
export async function copyFromContainer(v: ContainerView, src: string, dst: string): Promise<void> {
  await withRoot(v, false, (root) => {
    const resolved = resolveInRoot(root, src, { keepLast: true });
    // the root itself: its contents (through the /proc/PID/root link)
    const from = resolved === root ? `${root}/` : resolved;
    if (!exists(from)) throw new TsbuildError('usage', 'CP_NO_SOURCE', `${v.id.slice(0, 12)}:${src}: no such file or directory in the container`);
    const d = exists(dst);
    copyTree(from, d?.isDirectory() ? path.join(dst, path.basename(from)) : dst);
  });
}

/** host SRC → container DST */
export async function copyToContainer(v: ContainerView, src: string, dst: string): Promise<void> {
  if (!exists(src)) throw new TsbuildError('usage', 'CP_NO_SOURCE', `${src}: no such file or directory`);
  await withRoot(v, true, (root) => {
    const to = resolveInRoot(root, dst);
    // (a running container's root is /proc/PID/root, a link to the root)
    const d = to === root ? statSync(root) : exists(to);
    const parent = path.dirname(to) === root ? statSync(root) : exists(path.dirname(to));
    if (!d && !parent?.isDirectory()) throw new TsbuildError('usage', 'CP_NO_DEST', `${v.id.slice(0, 12)}:${dst}: the parent directory does not exist in the container`);
    copyTree(src, d?.isDirectory() ? path.join(to, path.basename(src)) : to);
  });
}
