// A SIGKILLed tsbuild takes its container with it: boxinit's stage 2 has
// PR_SET_PDEATHSIG=SIGKILL towards tsbuild, PID 1 towards stage 2, so the
// container's processes die at once instead of living on until the next
// `run` reclaims the container's directories.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { containerIds, exited, makeHarness, ourMounts, readState, runRm, spawnTsbuild, waitForOutput, type Harness, until } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');


/** start time (clock ticks since boot, field 22 of /proc/PID/stat) of a live,
 * non-zombie process; undefined when it is gone or a zombie */
function startTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name may hold spaces and parentheses: fields follow the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}

/** still the same process (pid not reused) */
function running(pid: number, started: string): boolean {
  return startTime(pid) === started;
}

describe.skipIf(!!why)('tsbuild run: the container dies with tsbuild', () => {
  let h: Harness;
  beforeAll(() => {
    h = makeHarness();
  });
  afterAll(async () => {
    if (h) {
      // the next run reclaims the directories the killed tsbuild left
      const next = await runRm(h, ['true']);
      expect(next.code).toBe(0);
      expect(containerIds(h)).toEqual([]);
      expect(ourMounts(h)).toEqual([]);
      h.cleanup();
    }
  });

  it('SIGKILL of tsbuild kills the container PID 1 and the stage-2 process within seconds', async () => {
    const child = spawnTsbuild([
      '--root', h.root, 'run', '--rm', '--network', 'none', '--rootfs', h.rootfs.dir,
      'sh', '-c', 'echo ready; exec sleep 1000',
    ]);
    const done = exited(child);
    try {
      await waitForOutput(child, 'ready');
      const id = await until('container id', () => containerIds(h)[0]);
      const state = await until('running state', () => {
        const s = readState(h, id);
        return s.status === 'running' && typeof s.pid1 === 'number' ? s : undefined;
      });
      const pid1 = state.pid1 as number;
      const stage2 = (state.process as { pid: number }).pid;
      const pid1Start = startTime(pid1);
      const stage2Start = startTime(stage2);
      expect(pid1Start).toBeDefined();
      expect(stage2Start).toBeDefined();
      // PID 1 becomes the busybox sleep (sh prints "ready" just before its exec)
      await until('PID 1 runs sleep', () => (readFileSync(`/proc/${pid1}/cmdline`, 'utf8').split('\0').includes('1000') ? true : undefined), 5000);

      expect(child.kill('SIGKILL')).toBe(true);
      expect((await done).signal).toBe('SIGKILL');
      await until('container PID 1 gone', () => (running(pid1, pid1Start as string) ? undefined : true), 5000);
      await until('stage-2 process gone', () => (running(stage2, stage2Start as string) ? undefined : true), 5000);
      // nothing reclaimed it yet: the directory is still there, only the processes died
      expect(containerIds(h)).toEqual([id]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
