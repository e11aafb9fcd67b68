// Two small life-cycle lookups: which containers use a volume (what `volume
// rm` refuses), read once for many names; and exec's one running check.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runningPid1 } from '../../src/runtime/lifecycle/exec.js';
import type { ContainerView } from '../../src/runtime/lifecycle/lookup.js';
import { writeRecord, type LifecycleRecord } from '../../src/runtime/lifecycle/record.js';
import { volumeData, volumeUsers } from '../../src/runtime/lifecycle/volumes.js';
import { containerDir, type ContainerState } from '../../src/runtime/state.js';

const root = mkdtempSync(path.join(tmpdir(), 'tsbuild-volume-users-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const base: LifecycleRecord = { version: 1, detached: true, argv: ['sh'], hostname: 'h', stopSignal: 'SIGTERM' };

function container(id: string, record: Partial<LifecycleRecord>): void {
  const dir = containerDir(root, id);
  mkdirSync(dir, { recursive: true });
  writeRecord(dir, { ...base, ...record });
}

describe('volumeUsers', () => {
  it('names the containers that bind a volume or made it as anonymous, for any number of names from one read', async () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const c = 'c'.repeat(64);
    container(a, { binds: [{ source: volumeData(root, 'shared'), target: '/data', readonly: false }] });
    container(b, { binds: [{ source: volumeData(root, 'shared'), target: '/x', readonly: true }, { source: '/srv/host', target: '/h', readonly: false }] });
    container(c, { anonymousVolumes: [{ name: 'anon1', target: '/var/lib/x' }] });
    const users = await volumeUsers(root);
    expect(users('shared').sort()).toEqual([a, b]);
    expect(users('anon1')).toEqual([c]);
    expect(users('unused')).toEqual([]);
    // a container made after the lookup is not seen by it: one read
    container('d'.repeat(64), { binds: [{ source: volumeData(root, 'unused'), target: '/u', readonly: false }] });
    expect(users('unused')).toEqual([]);
    expect((await volumeUsers(root))('unused')).toEqual(['d'.repeat(64)]);
  });
});

describe('runningPid1', () => {
  const view = (running: boolean, pid1: number | undefined): ContainerView => ({
    id: 'e'.repeat(64),
    dir: '/nonexistent',
    record: undefined,
    running,
    state: { version: 1, id: 'e'.repeat(64), status: running ? 'running' : 'exited', createdAt: '', owner: { pid: 1, startTime: '' }, rm: false, image: 'i', paths: { dir: '/x', merged: '/x/m' }, ...(pid1 !== undefined ? { pid1 } : {}) } as ContainerState,
  });
  it('gives PID 1 of a running container, and NOT_RUNNING otherwise (stopped, or PID 1 not recorded yet)', () => {
    expect(runningPid1(view(true, 4242))).toBe(4242);
    for (const v of [view(false, 4242), view(true, undefined), view(true, 1)]) {
      expect(() => runningPid1(v)).toThrow(expect.objectContaining({ code: 'NOT_RUNNING', message: `container ${'e'.repeat(12)} is not running` }));
    }
  });
});
