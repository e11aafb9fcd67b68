// The few file operations the cgroup backends use, behind an interface so
// the v2 backend can be unit-tested on a fake tree in a temp dir (a real
// cgroupfs removes a cgroup's files with rmdir; a plain dir needs rm -r).
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';

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
  read: (file) => readFile(file, 'utf8'),
  // r+: never create (cgroupfs refuses O_CREAT with EACCES; a missing file must read as ENOENT)
  write: (file, value) => writeFile(file, value, { flag: 'r+' }),
  mkdir: async (dir) => {
    try {
      await mkdir(dir);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  },
  rmdir: (dir) => rmdir(dir),
  kill: (pid, signal) => process.kill(pid, signal),
};

/** a plain directory tree standing in for cgroupfs (tests) */
export function fakeTreeFs(kill: CgroupFs['kill'] = () => undefined): CgroupFs {
  return {
    ...realCgroupFs,
    write: (file, value) => writeFile(file, value),
    // like cgroupfs: a cgroup with child cgroups cannot be removed; its own files go with it
    rmdir: async (dir) => {
      const entries = await readdir(dir, { withFileTypes: true });
      if (entries.some((e) => e.isDirectory())) throw Object.assign(new Error(`ENOTEMPTY: ${dir}`), { code: 'ENOTEMPTY' });
      await rm(dir, { recursive: true });
    },
    kill,
  };
}

export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
