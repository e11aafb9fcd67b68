// ResourceLimits → the files to write in a container's cgroup, per backend.
// Pure: the table tests in test/unit/cgroups-plan.test.ts pin every row.
import { deviceCgroupWrites, type DeviceRule } from './devices.js';
import type { ResourceLimits } from './limits.js';

export interface CgroupWrite {
  /** v1: the hierarchy's controller; v2: the controller the file belongs to */
  controller: string;
  file: string;
  value: string;
  /** when the file does not exist: warn with this text and go on (Docker's behaviour) */
  missingWarning?: string;
}

const SWAP_WARNING = 'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.';
const DEVICES_WARNING = 'The devices cgroup controller is not mounted: device access is not restricted.';
const BLKIO_WARNING = 'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.';

/** cgroup v1 (memory, cpu, cpuset, pids, blkio, devices hierarchies) */
export function planV1(l: ResourceLimits, o: { privileged: boolean; deviceRules: readonly DeviceRule[] }): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  // limit before memsw: memsw must never be below the memory limit
  if (l.memory !== undefined) w.push({ controller: 'memory', file: 'memory.limit_in_bytes', value: String(l.memory) });
  if (l.memorySwap !== undefined) {
    w.push({ controller: 'memory', file: 'memory.memsw.limit_in_bytes', value: String(l.memorySwap), missingWarning: SWAP_WARNING });
  }
  if (l.cpuShares !== undefined) w.push({ controller: 'cpu', file: 'cpu.shares', value: String(l.cpuShares) });
  if (l.cpuPeriod !== undefined) w.push({ controller: 'cpu', file: 'cpu.cfs_period_us', value: String(l.cpuPeriod) });
  if (l.cpuQuota !== undefined) w.push({ controller: 'cpu', file: 'cpu.cfs_quota_us', value: String(l.cpuQuota) });
  if (l.cpusetCpus !== undefined) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: l.cpusetCpus });
  if (l.pidsLimit !== undefined) w.push({ controller: 'pids', file: 'pids.max', value: l.pidsLimit === -1 ? 'max' : String(l.pidsLimit) });
  if (l.blkioWeight !== undefined) w.push({ controller: 'blkio', file: 'blkio.weight', value: String(l.blkioWeight), missingWarning: BLKIO_WARNING });
  for (const d of deviceCgroupWrites(o.privileged, o.deviceRules)) {
    w.push({ controller: 'devices', file: d.file, value: d.value, missingWarning: DEVICES_WARNING });
  }
  return w;
}

/** runc's cpu.shares (2..262144) → cpu.weight (1..10000) */
export function sharesToWeight(shares: number): number {
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** runc's blkio weight (10..1000) → io.weight (1..10000) */
export function blkioToIoWeight(weight: number): number {
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

/**
 * cgroup v2 (unified). Devices: v2 has no devices files — access control
 * there is an eBPF program, which tsbuild does not load: on v2 the device
 * allow-list is NOT enforced (documented gap; --device still binds the node).
 */
export function planV2(l: ResourceLimits): CgroupWrite[] {
  const w: CgroupWrite[] = [];
  if (l.memory !== undefined) w.push({ controller: 'memory', file: 'memory.max', value: String(l.memory) });
  if (l.memorySwap !== undefined && l.memory !== undefined) {
    const swap = l.memorySwap === -1 ? 'max' : String(Math.max(0, l.memorySwap - l.memory));
    w.push({ controller: 'memory', file: 'memory.swap.max', value: swap, missingWarning: SWAP_WARNING });
  }
  if (l.cpuShares !== undefined) w.push({ controller: 'cpu', file: 'cpu.weight', value: String(sharesToWeight(l.cpuShares)) });
  if (l.cpuQuota !== undefined || l.cpuPeriod !== undefined) {
    const quota = l.cpuQuota === undefined || l.cpuQuota === -1 ? 'max' : String(l.cpuQuota);
    w.push({ controller: 'cpu', file: 'cpu.max', value: `${quota} ${l.cpuPeriod ?? 100000}` });
  }
  if (l.cpusetCpus !== undefined) w.push({ controller: 'cpuset', file: 'cpuset.cpus', value: l.cpusetCpus });
  if (l.pidsLimit !== undefined) w.push({ controller: 'pids', file: 'pids.max', value: l.pidsLimit === -1 ? 'max' : String(l.pidsLimit) });
  if (l.blkioWeight !== undefined) {
    w.push({ controller: 'io', file: 'io.weight', value: `default ${blkioToIoWeight(l.blkioWeight)}`, missingWarning: BLKIO_WARNING });
  }
  return w;
}

/** the v2 controllers to enable on the way down: those written, plus the ones stats read */
export function v2Controllers(writes: readonly CgroupWrite[], available: readonly string[]): string[] {
  const want = new Set(['cpu', 'memory', 'pids', ...writes.map((w) => w.controller)]);
  return available.filter((c) => want.has(c));
}
