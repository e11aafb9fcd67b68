// The few file operations the cgroup backends use, behind an interface so
// the v2 backend can be unit-tested on a fake tree in a temp dir (a real
// cgroupfs removes a cgroup's files with rmdir; a plain dir needs rm -r).
// The real one is synchronous underneath: cgroupfs calls never block on a
// disk, and a thread-pool round trip per file costs more than the call on
// the start-up path of `tsbuild run` (one container: ~40 of them).
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface CgroupFs {
  read(file: string): Promise<string>;
  write(file: string, value: string): Promise<void>;
  /** mkdir; false when it already existed */
  mkdir(dir: string): Promise<boolean>;
  /** removes an empty cgroup */
  rmdir(dir: string): Promise<void>;
  /** a signal to a process of the container's cgroup */
  kill(pid: number, signal: NodeJS.Signals): void;
}

export const realCgroupFs: CgroupFs = {
  read: async (file) => readFileSync(file, 'utf8'),
  // r+: never create (cgroupfs refuses O_CREAT with EACCES; a missing file must read as ENOENT)
  write: async (file, value) => writeFileSync(file, value, { flag: 'r+' }),
  mkdir: async (dir) => {
    try {
      mkdirSync(dir);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  },
  rmdir: async (dir) => rmdirSync(dir),
  kill: (pid, signal) => process.kill(pid, signal),
};

/** a plain directory tree standing in for cgroupfs (tests) */
export function fakeTreeFs(kill: CgroupFs['kill'] = () => undefined): CgroupFs {
  const killed = new Set<number>();
  return {
    ...realCgroupFs,
    write: (file, value) => writeFile(file, value),
    // like cgroupfs: a cgroup with child cgroups, or with a process not yet
    // killed in its cgroup.procs, cannot be removed; its own files go with it
    rmdir: async (dir) => {
      const entries = await readdir(dir, { withFileTypes: true });
      if (entries.some((e) => e.isDirectory())) throw Object.assign(new Error(`ENOTEMPTY: ${dir}`), { code: 'ENOTEMPTY' });
      const procs = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      if (procs.split('\n').some((l) => /^\d+$/.test(l.trim()) && !killed.has(Number(l)))) throw Object.assign(new Error(`EBUSY: ${dir}`), { code: 'EBUSY' });
      await rm(dir, { recursive: true });
    },
    kill: (pid, signal) => {
      killed.add(pid);
      kill(pid, signal);
    },
  };
}

export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
