// /sys/fs/cgroup inside the container: its own cgroup, read-only, as Docker
// shows it. v1: a read-only skeleton dir bound on /sys/fs/cgroup (empty
// mount points, the same for every container: one host-wide copy on the
// run dir's tmpfs, made once, not one per container on the store's disk), then each
// hierarchy's container dir bound read-only on /sys/fs/cgroup/<controllers>
// (so /sys/fs/cgroup/cpu/cpu.cfs_quota_us reads the container's quota);
// v2: the container's dir bound read-only on /sys/fs/cgroup. Plain bind
// mounts through boxinit's `mount` records: no boxinit change needed.
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BoxinitMount } from '../boxinit-protocol.js';
import { runDir } from '../network/run-dir.js';
import type { CgroupHandle } from './handle.js';

const RO = ['ro', 'nosuid', 'nodev', 'noexec'];

/** the mount name of each v1 hierarchy dir: co-mounted controllers joined by ',' (cpu,cpuacct) */
export function hierarchyNames(h: CgroupHandle): Map<string, string> {
  const byDir = new Map<string, string[]>();
  for (const [ctrl, dir] of Object.entries(h.dirs)) byDir.set(dir, [...(byDir.get(dir) ?? []), ctrl]);
  return new Map([...byDir].map(([dir, ctrls]) => [dir, ctrls.sort().join(',')]));
}

/** pure: the mounts, given the skeleton dir made by prepareCgroupMounts */
export function cgroupMounts(h: CgroupHandle, skeleton: string): BoxinitMount[] {
  if (h.version === 2) return [{ type: 'bind', source: h.dirs.unified as string, destination: '/sys/fs/cgroup', options: RO }];
  const out: BoxinitMount[] = [{ type: 'bind', source: skeleton, destination: '/sys/fs/cgroup', options: RO }];
  for (const [dir, name] of hierarchyNames(h)) out.push({ type: 'bind', source: dir, destination: `/sys/fs/cgroup/${name}`, options: RO });
  return out;
}

/** v1: makes sure the skeleton (one empty dir per hierarchy) exists; returns the mounts */
export async function prepareCgroupMounts(h: CgroupHandle, skeleton = path.join(runDir(), 'cgroupfs')): Promise<BoxinitMount[]> {
  if (h.version === 1) {
    mkdirSync(path.dirname(skeleton), { recursive: true, mode: 0o700 });
    for (const name of hierarchyNames(h).values()) {
      const dir = path.join(skeleton, name);
      if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) mkdirSync(dir, { recursive: true, mode: 0o755 });
    }
  }
  return cgroupMounts(h, skeleton);
}
