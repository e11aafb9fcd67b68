// What is done with a container's cgroup once it exists: read its stats,
// freeze and thaw it (pause/unpause), ask whether the OOM killer struck, and
// remove it once its processes are gone (rmdir with retries; a process of the
// container still there is killed first: only the container's processes can
// be in its cgroup).
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import { errCode, realCgroupFs, type CgroupFs } from './fs-ops.js';
import { uniqueDirs, type CgroupHandle } from './handle.js';

export interface CgroupStats {
  /** total CPU time, nanoseconds */
  cpuUsageNs?: number;
  memoryUsage?: number;
  /** undefined: unlimited */
  memoryLimit?: number;
  pids?: number;
}

/** "oom_kill N" out of memory.oom_control (v1) or memory.events (v2) */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

/** a v1 limit that means "none" (PAGE_COUNTER_MAX rounded to pages) or v2 "max" */
export function parseLimit(text: string): number | undefined {
  const t = text.trim();
  if (t === 'max' || t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n < 2 ** 62 ? n : undefined;
}

interface Opts {
  fs?: CgroupFs;
}

async function readNum(fs: CgroupFs, file: string): Promise<number | undefined> {
  const t = await fs.read(file).catch(() => undefined);
  if (t === undefined) return undefined;
  const n = Number(t.trim());
  return Number.isFinite(n) ? n : undefined;
}

export async function readStats(h: CgroupHandle, o: Opts = {}): Promise<CgroupStats> {
  const fs = o.fs ?? realCgroupFs;
  const s: CgroupStats = {};
  const set = <K extends keyof CgroupStats>(k: K, v: CgroupStats[K] | undefined) => {
    if (v !== undefined) s[k] = v;
  };
  if (h.version === 1) {
    const d = h.dirs;
    if (d.cpuacct) set('cpuUsageNs', await readNum(fs, path.join(d.cpuacct, 'cpuacct.usage')));
    if (d.memory) {
      set('memoryUsage', await readNum(fs, path.join(d.memory, 'memory.usage_in_bytes')));
      set('memoryLimit', parseLimit(await fs.read(path.join(d.memory, 'memory.limit_in_bytes')).catch(() => '')));
    }
    if (d.pids) set('pids', await readNum(fs, path.join(d.pids, 'pids.current')));
  } else {
    const dir = h.dirs.unified as string;
    const cpu = parseKeyValues(await fs.read(path.join(dir, 'cpu.stat')).catch(() => ''));
    const usec = cpu.get('usage_usec');
    if (usec !== undefined) s.cpuUsageNs = usec * 1000;
    set('memoryUsage', await readNum(fs, path.join(dir, 'memory.current')));
    set('memoryLimit', parseLimit(await fs.read(path.join(dir, 'memory.max')).catch(() => '')));
    set('pids', await readNum(fs, path.join(dir, 'pids.current')));
  }
  return s;
}

/** how many times the OOM killer killed a process of the container */
export async function oomKillCount(h: CgroupHandle, o: Opts = {}): Promise<number> {
  const fs = o.fs ?? realCgroupFs;
  const file = h.version === 1 ? (h.dirs.memory ? path.join(h.dirs.memory, 'memory.oom_control') : undefined) : path.join(h.dirs.unified as string, 'memory.events');
  if (!file) return 0;
  return parseKeyValues(await fs.read(file).catch(() => '')).get('oom_kill') ?? 0;
}

export async function cgroupPids(h: CgroupHandle, o: Opts = {}): Promise<number[]> {
  const fs = o.fs ?? realCgroupFs;
  const pids = new Set<number>();
  for (const d of uniqueDirs(h)) {
    const text = await fs.read(path.join(d, 'cgroup.procs')).catch(() => '');
    for (const l of text.split('\n')) if (/^\d+$/.test(l.trim())) pids.add(Number(l));
  }
  return [...pids];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freezerFile(h: CgroupHandle): string {
  if (h.version === 2) return path.join(h.dirs.unified as string, 'cgroup.freeze');
  if (!h.dirs.freezer) throw new TsbuildError('runtime', 'CGROUP_NO_FREEZER', 'the freezer cgroup controller is not mounted: cannot pause');
  return path.join(h.dirs.freezer, 'freezer.state');
}

async function isFrozen(fs: CgroupFs, h: CgroupHandle): Promise<boolean> {
  if (h.version === 1) return (await fs.read(freezerFile(h))).trim() === 'FROZEN';
  return parseKeyValues(await fs.read(path.join(h.dirs.unified as string, 'cgroup.events'))).get('frozen') === 1;
}

/** freezes every process of the container (pause); resolves once they are frozen */
export async function freeze(h: CgroupHandle, o: Opts & { timeoutMs?: number } = {}): Promise<void> {
  const fs = o.fs ?? realCgroupFs;
  const until = Date.now() + (o.timeoutMs ?? 5000);
  for (;;) {
    await fs.write(freezerFile(h), h.version === 1 ? 'FROZEN' : '1');
    if (await isFrozen(fs, h)) return;
    if (Date.now() > until) throw new TsbuildError('runtime', 'CGROUP_FREEZE', `the container's processes did not freeze within ${o.timeoutMs ?? 5000} ms`);
    await sleep(10);
  }
}

export async function thaw(h: CgroupHandle, o: Opts = {}): Promise<void> {
  const fs = o.fs ?? realCgroupFs;
  await fs.write(freezerFile(h), h.version === 1 ? 'THAWED' : '0');
}

/**
 * Removes the container's cgroup: rmdir when it is empty (the usual case
 * once the container's processes are gone); else thaws it, kills what is
 * left in it (only the container's own processes can be there) and rmdirs it
 * with retries while the kernel still holds exiting tasks. Then removes
 * tsbuild's parent levels that became empty (another container's parent
 * stays: ENOTEMPTY/EBUSY).
 */
export async function removeCgroup(h: CgroupHandle, o: Opts & { timeoutMs?: number } = {}): Promise<void> {
  const fs = o.fs ?? realCgroupFs;
  const dirs = uniqueDirs(h);
  if (dirs.length === 0) return;
  // the common case first: the container's processes are gone and the cgroup is empty
  const first = await rmdirEach(fs, dirs);
  if (first.failed.length > 0) await emptyAndRemove(fs, h, first.failed, o.timeoutMs ?? 5000);
  for (const chain of h.parents) {
    for (const p of [...chain].reverse()) {
      try {
        await fs.rmdir(p);
      } catch {
        break; // in use by another container (or gone): leave it and its ancestors
      }
    }
  }
}

/** rmdir each of DIRS; those that could not be removed (gone counts as removed) */
async function rmdirEach(fs: CgroupFs, dirs: readonly string[]): Promise<{ failed: string[]; lastErr: unknown }> {
  const failed: string[] = [];
  let lastErr: unknown;
  for (const d of dirs) {
    try {
      await fs.rmdir(d);
    } catch (err) {
      if (errCode(err) === 'ENOENT') continue;
      failed.push(d);
      lastErr = err;
    }
  }
  return { failed, lastErr };
}

/** a cgroup still in use: thaw it, kill what is left in it, rmdir with retries */
async function emptyAndRemove(fs: CgroupFs, h: CgroupHandle, dirs: string[], timeoutMs: number): Promise<void> {
  if (h.version === 1 ? h.dirs.freezer : true) await thaw(h, { fs }).catch(() => undefined);
  const until = Date.now() + timeoutMs;
  let left = dirs;
  while (left.length > 0) {
    for (const pid of await cgroupPids({ ...h, dirs: Object.fromEntries(left.map((d, i) => [String(i), d])) }, { fs })) {
      if (pid <= 1) continue; // never kill(0)/kill(1): only real pids of the container
      try {
        fs.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const { failed, lastErr } = await rmdirEach(fs, left);
    left = failed;
    if (left.length === 0) break;
    if (Date.now() > until) {
      throw new TsbuildError('runtime', 'CGROUP_REMOVE', `cannot remove the cgroup ${left.join(', ')}: ${(lastErr as Error).message}`, { cause: lastErr });
    }
    await sleep(20);
  }
}
