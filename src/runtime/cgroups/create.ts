// Creates a container's cgroup under tsbuild's parent (which sits below the
// cgroup tsbuild itself runs in, in every hierarchy) and writes the limits.
// Only directories are made here: no process is moved — boxinit joins the
// container's cgroup.procs itself before it execs unshare.
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import type { ResolvedDevice } from './devices.js';
import { errCode, realCgroupFs, type CgroupFs } from './fs-ops.js';
import type { CgroupHandle } from './handle.js';
import type { CgroupLayout } from './layout.js';
import type { ResourceLimits } from './limits.js';
import { planV1, planV2, v2Controllers, type CgroupWrite } from './plan.js';
import { removeCgroup } from './control.js';

export interface CreateCgroupRequest {
  /** the container id: the leaf cgroup's name */
  id: string;
  limits: ResourceLimits;
  devices: readonly ResolvedDevice[];
  privileged: boolean;
  layout: CgroupLayout;
  fs?: CgroupFs;
}

export interface CreatedCgroup {
  handle: CgroupHandle;
  /** Docker-style warnings (a limit the kernel lacks was ignored) */
  warnings: string[];
}

/** the flag a file's value came from, for messages */
const FLAG_OF: Record<string, string> = {
  'memory.limit_in_bytes': '--memory',
  'memory.memsw.limit_in_bytes': '--memory-swap',
  'memory.max': '--memory',
  'memory.swap.max': '--memory-swap',
  'cpu.shares': '--cpu-shares',
  'cpu.weight': '--cpu-shares',
  'cpu.cfs_period_us': '--cpu-period/--cpus',
  'cpu.cfs_quota_us': '--cpu-quota/--cpus',
  'cpu.max': '--cpus/--cpu-quota',
  'cpuset.cpus': '--cpuset-cpus',
  'pids.max': '--pids-limit',
  'blkio.weight': '--blkio-weight',
  'io.weight': '--blkio-weight',
  'devices.allow': '--device',
  'devices.deny': '--device',
};

async function applyWrite(fs: CgroupFs, dir: string, w: CgroupWrite, warnings: string[]): Promise<void> {
  const file = path.join(dir, w.file);
  try {
    await fs.write(file, w.value);
  } catch (err) {
    if (w.missingWarning && errCode(err) === 'ENOENT') {
      warnings.push(w.missingWarning);
      return;
    }
    const flag = FLAG_OF[w.file];
    throw new TsbuildError('runtime', 'CGROUP_LIMIT', `${flag ? `${flag}: ` : ''}cannot write ${JSON.stringify(w.value)} to ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** v1 cpuset: a new cgroup has empty cpus/mems; fill in the parent's when empty (the kernel's clone_children does the same) */
async function copyCpuset(fs: CgroupFs, dir: string): Promise<void> {
  for (const f of ['cpuset.cpus', 'cpuset.mems']) {
    const parent = (await fs.read(path.join(path.dirname(dir), f))).trim();
    const own = (await fs.read(path.join(dir, f)).catch(() => '')).trim();
    if (own === '' && parent !== '') await fs.write(path.join(dir, f), parent);
  }
}

/** mkdir each level of REL under BASE; returns the dirs, outermost first */
async function makeLevels(fs: CgroupFs, base: string, rel: string, onLevel: (dir: string) => Promise<void>): Promise<string[]> {
  const dirs: string[] = [];
  let dir = base;
  for (const part of rel.split('/')) {
    dir = path.join(dir, part);
    // a parent removed by another tsbuild between our levels: mkdir again (ENOENT below).
    // onLevel runs for levels that already existed too: another tsbuild may have made
    // the level a moment ago and not yet filled in its cpuset (ensure, not copy-once)
    await fs.mkdir(dir);
    await onLevel(dir);
    dirs.push(dir);
  }
  return dirs;
}

async function withRetry<T>(what: string, f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (err) {
      if (errCode(err) !== 'ENOENT' || i >= 4) {
        if (err instanceof TsbuildError) throw err;
        throw new TsbuildError('runtime', 'CGROUP_CREATE', `cannot create the cgroup ${what}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

export async function createContainerCgroup(req: CreateCgroupRequest): Promise<CreatedCgroup> {
  const fs = req.fs ?? realCgroupFs;
  const warnings: string[] = [];
  const handle: CgroupHandle = { version: req.layout.version, dirs: {}, parents: [] };
  try {
    if (req.layout.version === 1) {
      const writes = planV1(req.limits, { privileged: req.privileged, deviceRules: req.devices.map((d) => d.rule) });
      for (const h of req.layout.hierarchies) {
        const cpuset = h.controllers.includes('cpuset');
        const onNew = cpuset ? (d: string) => copyCpuset(fs, d) : async () => undefined;
        const leaf = path.join(h.selfDir, req.limits.cgroupParent, req.id);
        await withRetry(leaf, async () => {
          const parents = await makeLevels(fs, h.selfDir, req.limits.cgroupParent, onNew);
          if (!(await fs.mkdir(leaf))) throw new TsbuildError('runtime', 'CGROUP_EXISTS', `the cgroup ${leaf} already exists`);
          handle.parents.push(parents);
          for (const c of h.controllers) handle.dirs[c] = leaf;
          await onNew(leaf);
        });
        for (const w of writes) if (h.controllers.includes(w.controller)) await applyWrite(fs, leaf, w, warnings);
      }
      for (const w of writes) {
        if (!handle.dirs[w.controller]) {
          if (w.missingWarning) warnings.push(w.missingWarning);
          else throw new TsbuildError('runtime', 'CGROUP_CONTROLLER', `${FLAG_OF[w.file] ?? w.file}: the ${w.controller} cgroup controller is not mounted`);
        }
      }
    } else {
      const writes = planV2(req.limits);
      if (req.devices.length > 0) warnings.push('cgroup v2: device access is not restricted by tsbuild (no eBPF device filter); --device only adds the node');
      const self = req.layout.selfDir;
      const available = (await fs.read(path.join(self, 'cgroup.controllers')).catch(() => '')).trim().split(/\s+/).filter(Boolean);
      const enable = v2Controllers(writes, available);
      const leaf = path.join(self, req.limits.cgroupParent, req.id);
      const delegate = async (dir: string) => {
        if (enable.length === 0) return;
        try {
          await fs.write(path.join(dir, 'cgroup.subtree_control'), enable.map((c) => `+${c}`).join(' '));
        } catch (err) {
          if (writes.length === 0) return; // no limit asked for: accounting only where it works
          throw new TsbuildError('runtime', 'CGROUP_DELEGATE', `cannot enable the ${enable.join(', ')} controllers below ${dir}: ${(err as Error).message}` +
            (errCode(err) === 'EBUSY' ? ' (cgroup v2 allows no processes in a cgroup that delegates controllers: run tsbuild in a cgroup of its own)' : ''), { cause: err });
        }
      };
      await withRetry(leaf, async () => {
        await delegate(self);
        const parents = await makeLevels(fs, self, req.limits.cgroupParent, delegate);
        if (!(await fs.mkdir(leaf))) throw new TsbuildError('runtime', 'CGROUP_EXISTS', `the cgroup ${leaf} already exists`);
        handle.parents.push(parents);
        handle.dirs.unified = leaf;
      });
      for (const w of writes) {
        if (!enable.includes(w.controller)) {
          if (w.missingWarning) warnings.push(w.missingWarning);
          else throw new TsbuildError('runtime', 'CGROUP_CONTROLLER', `${FLAG_OF[w.file] ?? w.file}: the ${w.controller} controller is not available in ${self}`);
          continue;
        }
        await applyWrite(fs, leaf, w, warnings);
      }
    }
  } catch (err) {
    await removeCgroup(handle, { fs }).catch(() => undefined);
    throw err;
  }
  return { handle, warnings: [...new Set(warnings)] };
}
