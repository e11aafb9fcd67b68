// Signals and crashes: SIGTERM/SIGINT sent to tsbuild reach the container;
// a container killed from outside reports 128+n; a SIGKILLed tsbuild leaves a
// container that the next run reclaims (process killed, dirs removed).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { alive, containerIds, exited, makeHarness, ourMounts, readState, runRm, spawnTsbuild, waitForOutput, type Harness, until } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');


describe.skipIf(!!why)('tsbuild run: signals and crashes', () => {
  let h: Harness;
  beforeAll(() => {
    h = makeHarness();
  });
  afterAll(() => h?.cleanup());
  afterEach(() => {
    expect(ourMounts(h)).toEqual([]);
  });

  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} sent to tsbuild reaches the container's PID 1`, async () => {
      const child = spawnTsbuild([
        '--root', h.root, 'run', '--rm', '--rootfs', h.rootfs.dir,
        'sh', '-c', `trap 'echo got-${sig}; exit 7' ${sig.slice(3)}; echo ready; while :; do sleep 0.05; done`,
      ]);
      const done = exited(child);
      await waitForOutput(child, 'ready');
      let out = '';
      let err = '';
      child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
      child.kill(sig);
      const { code, signal } = await done;
      expect({ out, err, code, signal }).toEqual({ out: `got-${sig}\n`, err: '', code: 7, signal: null });
      expect(containerIds(h)).toEqual([]);
    });
  }

  it('--init forwards SIGTERM to a command without a handler, which dies of it: 143', async () => {
    const child = spawnTsbuild(['--root', h.root, 'run', '--rm', '--init', '--rootfs', h.rootfs.dir, 'sh', '-c', 'echo ready; exec sleep 60']);
    const done = exited(child);
    await waitForOutput(child, 'ready');
    child.kill('SIGTERM');
    expect((await done).code).toBe(143);
    expect(containerIds(h)).toEqual([]);
  });

  it('a PID 1 that ignores SIGINT keeps running until the third interrupt kills it: 137', async () => {
    const child = spawnTsbuild(['--root', h.root, 'run', '--rm', '--rootfs', h.rootfs.dir, 'sh', '-c', 'echo ready; exec sleep 60']);
    const done = exited(child);
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    await waitForOutput(child, 'ready');
    // PID 1 must be sleep already: sh, before its exec, would take the SIGINT and exit 130
    const id = await until('container id', () => containerIds(h)[0]);
    const pid1 = await until('pid1 in state', () => readState(h, id).pid1 as number | undefined);
    await until('PID 1 runs sleep', () => (readFileSync(`/proc/${pid1}/comm`, 'utf8').trim() === 'sleep' ? true : undefined));
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull();
    child.kill('SIGINT');
    expect((await done).code).toBe(137);
    expect(err).toMatch(/third interrupt: killing the container/);
    expect(containerIds(h)).toEqual([]);
  });

  it('a container killed from outside gives 128+n', async () => {
    const child = spawnTsbuild(['--root', h.root, 'run', '--rm', '--rootfs', h.rootfs.dir, 'sh', '-c', 'echo ready; exec sleep 60']);
    const done = exited(child);
    await waitForOutput(child, 'ready');
    const id = await until('container id', () => containerIds(h)[0]);
    const pid1 = await until('pid1 in state', () => readState(h, id).pid1 as number | undefined);
    process.kill(pid1, 'SIGKILL');
    expect((await done).code).toBe(137);
    expect(containerIds(h)).toEqual([]);
  });

  it('the next run reclaims what a SIGKILLed tsbuild left', async () => {
    const child = spawnTsbuild(['--root', h.root, 'run', '--rm', '--rootfs', h.rootfs.dir, 'sh', '-c', 'echo ready; exec sleep 60']);
    const done = exited(child);
    await waitForOutput(child, 'ready');
    const id = await until('container id', () => containerIds(h)[0]);
    const state = await until('running state', () => {
      const s = readState(h, id);
      return s.status === 'running' && s.pid1 !== undefined ? s : undefined;
    });
    const pid1 = state.pid1 as number;
    const proc = (state.process as { pid: number }).pid;
    child.kill('SIGKILL');
    await done;
    // the container dies with tsbuild (boxinit's parent-death signal), but its
    // state and layer dirs stay until the next command reclaims them
    expect(existsSync(path.join(h.root, 'containers', id))).toBe(true);

    const next = await runRm(h, ['true']);
    expect(next.code).toBe(0);
    expect(containerIds(h)).toEqual([]);
    await until('container process gone', () => (alive(proc) || existsPid1(pid1) ? undefined : true), 5000);
  });
});

function existsPid1(pid: number): boolean {
  try {
    // a zombie still has a /proc entry: check its state
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
