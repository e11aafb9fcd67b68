// The resource flags of `tsbuild run` → ResourceLimits. Pure: no file is
// read; every usage error names the flag the user gave. Docker's rules
// (moby runconfig/opts, daemon/daemon_unix.go verifyPlatformContainerResources).
import type { FlagSpec, ParsedArgs } from '../../cli/args.js';
import { flagList, flagString } from '../../cli/args.js';
import { usageError } from '../../errors.js';
import { parseDevice, type DeviceMapping } from './devices.js';

export const resourceFlags: readonly FlagSpec[] = [
  { name: 'memory', short: 'm', kind: 'string', value: 'BYTES', description: 'memory limit (e.g. 64m, 1g)' },
  { name: 'memory-swap', kind: 'string', value: 'BYTES', description: 'memory plus swap limit (-1: unlimited swap)' },
  { name: 'cpus', kind: 'string', value: 'N', description: 'number of CPUs (e.g. 0.5)' },
  { name: 'cpu-shares', short: 'c', kind: 'string', value: 'N', description: 'CPU shares (relative weight)' },
  { name: 'cpu-period', kind: 'string', value: 'USEC', description: 'CPU CFS period' },
  { name: 'cpu-quota', kind: 'string', value: 'USEC', description: 'CPU CFS quota' },
  { name: 'cpuset-cpus', kind: 'string', value: 'LIST', description: 'CPUs the container may use (0-3, 0,1)' },
  { name: 'pids-limit', kind: 'string', value: 'N', description: 'process limit (-1: unlimited)' },
  { name: 'blkio-weight', kind: 'string', value: 'N', description: 'block IO weight (10-1000)' },
  { name: 'device', kind: 'list', value: 'HOST[:CTR[:rwm]]', description: 'add a host device to the container' },
  { name: 'cgroup-parent', kind: 'string', value: 'PATH', description: "parent cgroup, below tsbuild's own (default tsbuild)" },
];

/** what the user asked for; undefined = not set (no file is written) */
export interface ResourceLimits {
  /** bytes */
  memory?: number;
  /** bytes of memory+swap; -1 unlimited */
  memorySwap?: number;
  cpuShares?: number;
  /** microseconds */
  cpuPeriod?: number;
  /** microseconds; -1 unlimited */
  cpuQuota?: number;
  cpusetCpus?: string;
  /** -1 unlimited */
  pidsLimit?: number;
  blkioWeight?: number;
  devices: DeviceMapping[];
  /** relative to the cgroup tsbuild runs in */
  cgroupParent: string;
}

export const DEFAULT_CGROUP_PARENT = 'tsbuild';
/** Docker's minimum memory limit */
export const MIN_MEMORY = 6 * 1024 * 1024;
const CFS_PERIOD = 100_000;

/** "64m", "1g", "512k", "1024", "1.5g" → bytes (Docker's RAMInBytes: binary units) */
export function parseBytes(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(value.trim());
  if (!m) throw usageError(`${flag} ${value}: not a size (e.g. 64m, 1g)`);
  const unit = (m[2] as string).toLowerCase();
  const mult = 1024 ** ['', 'k', 'm', 'g', 't', 'p'].indexOf(unit);
  const n = Math.floor(Number(m[1]) * mult);
  if (!Number.isSafeInteger(n)) throw usageError(`${flag} ${value}: too large`);
  return n;
}

function parseInt10(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(value.trim())) throw usageError(`${flag} ${value}: not an integer`);
  const n = Number(value);
  if (n < min || n > max) throw usageError(`${flag} ${value}: must be between ${min} and ${max}`);
  return n;
}

/** "0-2,4" (Docker's cpuset syntax) → normalized, or a usage error */
export function parseCpuList(flag: string, value: string): string {
  const parts = value.split(',').map((p) => p.trim());
  for (const p of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(p);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw usageError(`${flag} ${value}: expected a CPU list like 0-3 or 0,2`);
  }
  return parts.join(',');
}

/** the CPUs a list names: "0-2,4" → [0,1,2,4] */
export function expandCpuList(list: string): number[] {
  const out = new Set<number>();
  for (const p of list.split(',')) {
    if (p.trim() === '') continue;
    const [a, b] = p.split('-').map(Number) as [number, number | undefined];
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

export function parseCgroupParent(value: string): string {
  const parts = value.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.some((p) => p === '..' || p.includes('\0'))) {
    throw usageError(`--cgroup-parent ${value}: give a path below the cgroup tsbuild runs in (no '..')`);
  }
  return parts.join('/');
}

/** Parsed flags → limits. Throws usage errors naming the flag. */
export function toResourceLimits(args: ParsedArgs): ResourceLimits {
  const s = (name: string): string | undefined => flagString(args, name);
  const limits: ResourceLimits = { devices: [], cgroupParent: DEFAULT_CGROUP_PARENT };
  const mem = s('memory');
  if (mem !== undefined) {
    limits.memory = parseBytes('--memory', mem);
    if (limits.memory > 0 && limits.memory < MIN_MEMORY) throw usageError(`--memory ${mem}: the minimum memory limit is 6m`);
    if (limits.memory === 0) delete limits.memory;
  }
  const swap = s('memory-swap');
  if (swap !== undefined) {
    if (limits.memory === undefined) throw usageError(`--memory-swap ${swap}: needs --memory as well`);
    limits.memorySwap = swap.trim() === '-1' ? -1 : parseBytes('--memory-swap', swap);
    if (limits.memorySwap !== -1 && limits.memorySwap < limits.memory) {
      throw usageError(`--memory-swap ${swap}: must be at least --memory (it counts memory plus swap)`);
    }
  } else if (limits.memory !== undefined) {
    // Docker: swap as large as the memory limit (memory+swap = 2 × memory)
    limits.memorySwap = limits.memory * 2;
  }
  const cpus = s('cpus');
  const period = s('cpu-period');
  const quota = s('cpu-quota');
  if (cpus !== undefined) {
    if (period !== undefined || quota !== undefined) throw usageError('--cpus cannot be combined with --cpu-period or --cpu-quota');
    const n = Number(cpus);
    if (!/^\d*\.?\d+$/.test(cpus.trim()) || !(n > 0)) throw usageError(`--cpus ${cpus}: expected a positive number such as 0.5`);
    limits.cpuPeriod = CFS_PERIOD;
    limits.cpuQuota = Math.round(n * CFS_PERIOD);
    if (limits.cpuQuota < 1000) throw usageError(`--cpus ${cpus}: too small (at least 0.01)`);
  }
  if (period !== undefined) limits.cpuPeriod = parseInt10('--cpu-period', period, 1000, 1_000_000);
  if (quota !== undefined) {
    const q = parseInt10('--cpu-quota', quota, -1);
    if (q > 0 && q < 1000) throw usageError(`--cpu-quota ${quota}: must be at least 1000 (1ms)`);
    if (q !== 0) limits.cpuQuota = q;
  }
  const shares = s('cpu-shares');
  if (shares !== undefined) {
    const n = parseInt10('--cpu-shares', shares, 0, 262144);
    if (n > 0) limits.cpuShares = Math.max(2, n);
  }
  const cpuset = s('cpuset-cpus');
  if (cpuset !== undefined && cpuset.trim() !== '') limits.cpusetCpus = parseCpuList('--cpuset-cpus', cpuset);
  const pids = s('pids-limit');
  if (pids !== undefined) {
    const n = parseInt10('--pids-limit', pids, -1);
    limits.pidsLimit = n <= 0 ? -1 : n;
  }
  const blkio = s('blkio-weight');
  if (blkio !== undefined) {
    const n = parseInt10('--blkio-weight', blkio, 0, 1000);
    if (n !== 0 && n < 10) throw usageError(`--blkio-weight ${blkio}: must be between 10 and 1000`);
    if (n !== 0) limits.blkioWeight = n;
  }
  limits.devices = flagList(args, 'device').map(parseDevice);
  const parent = s('cgroup-parent');
  if (parent !== undefined) limits.cgroupParent = parseCgroupParent(parent);
  return limits;
}
