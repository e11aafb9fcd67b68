// start/restart, the new states in ps/inspect, anonymous volumes and the
// exec overrides (-u, -t): the parts that need no root.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { monitorArgv } from '../../src/runtime/lifecycle/detach.js';
import { execConfig } from '../../src/runtime/lifecycle/exec.js';
import { readContainerFile } from '../../src/runtime/lifecycle/exec-user.js';
import type { ContainerView } from '../../src/runtime/lifecycle/lookup.js';
import { dockerStatus, exitCodeOf, inspectContainer, statusText } from '../../src/runtime/lifecycle/present.js';
import { readRecord, writeRecord, type LifecycleRecord } from '../../src/runtime/lifecycle/record.js';
import { released } from '../../src/runtime/lifecycle/released.js';
import { expandVolumeFlags, imageVolumeMounts, releaseRunVolumes, volumePlan } from '../../src/runtime/lifecycle/volumes.js';
import { processRef, writeState, type ContainerState } from '../../src/runtime/state.js';

const id = 'cd'.repeat(32);
const t0 = Date.parse('2026-01-01T00:00:00.000Z');
const record = (over: Partial<LifecycleRecord> = {}): LifecycleRecord => ({ version: 1, detached: true, argv: ['sleep', '9'], hostname: 'h', stopSignal: 'SIGTERM', ...over });
function view(state: Partial<ContainerState>, rec: LifecycleRecord | undefined, running = false): ContainerView {
  return {
    id,
    dir: '/x',
    running,
    state: { version: 1, id, status: 'exited', createdAt: '2026-01-01T00:00:00.000Z', owner: { pid: 1, startTime: '1' }, rm: false, image: 'busybox', paths: { dir: '/x', merged: '/x/merged' }, ...state },
    record: rec,
  };
}

describe('ps/inspect for restarting and never-started containers (Docker wording)', () => {
  it('between restart’s stop and start: Restarting (N) … ago; inspect says restarting, running, RestartCount 0', () => {
    const v = view({ exitStatus: 143 }, record({ restarting: true, startedAt: '2026-01-01T00:00:01.000Z', finishedAt: '2026-01-01T00:00:02.000Z' }));
    expect(dockerStatus(v)).toBe('restarting');
    expect(statusText(v, t0 + 5000)).toBe('Restarting (143) 3 seconds ago');
    const i = inspectContainer(v) as any;
    expect(i.State).toMatchObject({ Status: 'restarting', Running: true, Restarting: true, ExitCode: 143 });
    expect(i.RestartCount).toBe(0);
  });
  it('a command that never ran leaves a created container with its exit code, as Docker’s', () => {
    const v = view({ exitStatus: 127 }, record());
    expect(dockerStatus(v)).toBe('created');
    expect(statusText(v, t0)).toBe('Created');
    expect(exitCodeOf(v)).toBe(127);
    expect((inspectContainer(v) as any).State).toMatchObject({ Status: 'created', Running: false, ExitCode: 127, StartedAt: '0001-01-01T00:00:00Z' });
    // one that ran is exited
    const ran = view({ exitStatus: 0 }, record({ startedAt: '2026-01-01T00:00:01.000Z', finishedAt: '2026-01-01T00:00:02.000Z' }));
    expect(dockerStatus(ran)).toBe('exited');
    expect(statusText(ran, t0 + 4000)).toBe('Exited (0) 2 seconds ago');
  });
});

describe('start/restart plumbing', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lc-restart-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the monitor of a start/restart gets --again before the run arguments', () => {
    expect(monitorArgv('/r', id, '/cwd', ['-d', 'img'], true)).toEqual(['--root', '/r', '__monitor', '--id', id, '--cwd', '/cwd', '--again', '--', '-d', 'img']);
  });

  it('released: the last run is over once its owner is gone, or has written finishedAt after startedAt', async () => {
    const me = await processRef(process.pid);
    const dead = { pid: 2 ** 22 + 7, startTime: '1' };
    await writeState(dir, { version: 1, id, status: 'exited', createdAt: 'x', owner: dead, rm: false, image: 'i', paths: { dir, merged: dir } });
    expect(await released(dir)).toBe(true);
    // an owner still alive (an attached tsbuild cleaning up)
    await writeState(dir, { version: 1, id, status: 'exited', createdAt: 'x', owner: me, rm: false, image: 'i', paths: { dir, merged: dir } });
    writeRecord(dir, record({ startedAt: '2026-01-01T00:00:05.000Z', finishedAt: '2026-01-01T00:00:01.000Z' }));
    expect(await released(dir)).toBe(false);
    writeRecord(dir, record({ startedAt: '2026-01-01T00:00:05.000Z', finishedAt: '2026-01-01T00:00:06.000Z' }));
    expect(await released(dir)).toBe(true);
    expect(readRecord(dir)?.finishedAt).toBe('2026-01-01T00:00:06.000Z');
    // running, with its process alive
    await writeState(dir, { version: 1, id, status: 'running', createdAt: 'x', owner: me, process: me, rm: false, image: 'i', paths: { dir, merged: dir } });
    expect(await released(dir)).toBe(false);
  });
});

describe('anonymous volumes', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'lc-vols-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const names = () => {
    try {
      return readdirSync(path.join(root, 'volumes')).sort();
    } catch {
      return [];
    }
  };

  it('-v /path and VOLUME make anonymous volumes (to seed); a new or empty named volume is to be seeded, one with content not', () => {
    mkdirSync(path.join(root, 'volumes/old/_data'), { recursive: true });
    writeFileSync(path.join(root, 'volumes/old/_data/f'), 'x');
    mkdirSync(path.join(root, 'volumes/empty/_data'), { recursive: true });
    const plan = volumePlan();
    const flags = expandVolumeFlags(root, ['/anon', 'named:/n:ro', 'old:/o', 'empty:/e', '/host:/h'], plan);
    expect(flags[0]).toMatch(new RegExp(`^${root}/volumes/[0-9a-f]{64}/_data:/anon$`));
    expect(flags.slice(1)).toEqual([`${root}/volumes/named/_data:/n:ro`, `${root}/volumes/old/_data:/o`, `${root}/volumes/empty/_data:/e`, '/host:/h']);
    const mounts = imageVolumeMounts(root, { '/anon/': {}, '/data': {}, 'rel': {} }, [{ type: 'bind', source: 'x', target: '/anon', readonly: false, flag: '-v' }], plan);
    expect(mounts.map((m) => [m.target, m.flag])).toEqual([['/data', 'VOLUME /data'], ['/rel', 'VOLUME rel']]);
    expect(plan.anonymous.map((a) => a.target)).toEqual(['/anon', '/data', '/rel']);
    expect(plan.fresh.map((f) => f.target)).toEqual(['/anon', '/n', '/e', '/data', '/rel']);
    expect(names()).toHaveLength(6); // old, empty, named and three anonymous ones
  });

  it('start/restart use the container’s anonymous volumes again; a --rm run or one that never started removes them, never a named one', () => {
    const first = volumePlan();
    expandVolumeFlags(root, ['/a', 'keep:/k'], first);
    writeFileSync(path.join(root, 'volumes/keep/_data/f'), 'x');
    const again = volumePlan(first.anonymous);
    const flags = expandVolumeFlags(root, ['/a', 'keep:/k'], again);
    expect(again.anonymous).toEqual(first.anonymous);
    expect(again.fresh).toEqual([]);
    expect(flags[0]).toBe(`${root}/volumes/${first.anonymous[0]?.name}/_data:/a`);
    releaseRunVolumes(root, false, true, again);
    expect(names()).toHaveLength(2);
    releaseRunVolumes(root, true, true, again);
    expect(names()).toEqual(['keep']);
    const failed = volumePlan();
    expandVolumeFlags(root, ['/b'], failed);
    releaseRunVolumes(root, false, false, failed);
    expect(names()).toEqual(['keep']);
  });
});

describe('exec overrides', () => {
  const v = view({ status: 'running', pid1: 4242 }, record({ exec: { namespaces: ['pid', 'mount'], cgroupProcs: [], cwd: '/', env: ['PATH=/bin', 'A=1'], uid: 0, gid: 0, additionalGids: [10], capabilities: { bounding: 'ff', effective: 'ff', permitted: 'ff', inheritable: '0', ambient: '0' }, noNewPrivileges: true } }), true);
  it('-u takes the resolved ids; -t passes the window size; -e overrides', () => {
    const c = execConfig(v, { argv: ['id'], env: ['A=2'], interactive: false, user: { uid: 1000, gid: 50, additionalGids: [], home: '/h', name: 'app' }, tty: { rows: 33, cols: 101 } });
    expect([c.uid, c.gid, c.additionalGids]).toEqual([1000, 50, []]);
    expect(c.tty).toEqual({ rows: 33, cols: 101 });
    expect(c.env).toEqual(['PATH=/bin', 'A=2']);
    const plain = execConfig(v, { argv: ['id'], env: [], interactive: false });
    expect([plain.uid, plain.gid, plain.additionalGids, plain.tty]).toEqual([0, 0, [10], undefined]);
  });
  it("the container's passwd is read inside its root: a link out of it reads nothing of the host", () => {
    const base = mkdtempSync(path.join(tmpdir(), 'lc-passwd-'));
    try {
      const root = path.join(base, 'root');
      mkdirSync(path.join(root, 'etc'), { recursive: true });
      writeFileSync(path.join(base, 'host-passwd'), 'hostonly:x:1:1::/:/bin/sh\n');
      symlinkSync(path.join(base, 'host-passwd'), path.join(root, 'etc/passwd'));
      expect(readContainerFile(root, '/etc/passwd')).toBeUndefined();
      rmSync(path.join(root, 'etc/passwd'));
      symlinkSync('../../host-passwd', path.join(root, 'etc/passwd'));
      expect(readContainerFile(root, '/etc/passwd')).toBeUndefined();
      // a link inside the root is followed inside it
      writeFileSync(path.join(root, 'etc/real'), 'u:x:5:5::/:/bin/sh\n');
      rmSync(path.join(root, 'etc/passwd'));
      symlinkSync('/etc/real', path.join(root, 'etc/passwd'));
      expect(readContainerFile(root, '/etc/passwd')).toBe('u:x:5:5::/:/bin/sh\n');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('attached runs log their output', () => {
  it('each stream goes to the caller and to the log; the last partial line is written at the end', async () => {
    const { teeToLog } = await import('../../src/runtime/lifecycle/attached-log.js');
    const { readLogFile } = await import('../../src/runtime/lifecycle/log-file.js');
    const { PassThrough } = await import('node:stream');
    const dir = mkdtempSync(path.join(tmpdir(), 'lc-tee-'));
    try {
      const out = new PassThrough();
      const err = new PassThrough();
      let shown = '';
      out.on('data', (b: Buffer) => (shown += b.toString()));
      err.on('data', (b: Buffer) => (shown += `[${b.toString()}]`));
      const t = teeToLog(dir, out, err);
      t.stdout.write('a\nb');
      t.stderr.write('e\n');
      t.stdout.write('c');
      await t.close();
      expect(shown).toBe('a\nb[e\n]c');
      expect(readLogFile(path.join(dir, 'ctr.log')).entries.map((e) => [e.stream, e.log])).toEqual([['stdout', 'a\n'], ['stderr', 'e\n'], ['stdout', 'bc']]);
      // a container dir that is gone (never started, removed): output still reaches the caller
      const gone = teeToLog(path.join(dir, 'gone'), out, err);
      gone.stdout.write('still\n');
      gone.stderr.write('partial');
      await gone.close();
      expect(shown.endsWith('still\n[partial]')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
