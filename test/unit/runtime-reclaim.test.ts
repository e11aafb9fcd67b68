// What a killed tsbuild leaves is reclaimed by the next run: liveness is a pid
// and its start time, so a recycled pid never keeps a dead container around.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeRecord } from '../../src/runtime/lifecycle/record.js';
import { reclaimStale } from '../../src/runtime/reclaim.js';
import { containerDir, isAlive, processRef, processStartTime, readState, reserveName, writeState, type ContainerState } from '../../src/runtime/state.js';

const root = mkdtempSync(path.join(tmpdir(), 'tsbuild-reclaim-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function id(): string {
  return (++n).toString(16).padStart(64, 'a');
}

async function make(over: Partial<ContainerState>): Promise<string> {
  const cid = id();
  const dir = containerDir(root, cid);
  mkdirSync(path.join(dir, 'upper'), { recursive: true });
  mkdirSync(path.join(dir, 'work'), { recursive: true });
  await writeState(dir, {
    version: 1,
    id: cid,
    status: 'running',
    createdAt: new Date().toISOString(),
    owner: { pid: 1, startTime: 'not-init' },
    rm: true,
    image: 'img',
    paths: { dir, merged: path.join(dir, 'merged') },
    ...over,
  });
  return cid;
}

describe('process identity', () => {
  it('reads the start time from /proc/PID/stat and tells a recycled pid apart', async () => {
    const me = await processRef(process.pid);
    expect(me.startTime).toMatch(/^\d+$/);
    expect(await isAlive(me)).toBe(true);
    expect(await isAlive({ pid: process.pid, startTime: String(Number(me.startTime) + 1) })).toBe(false);
    expect(await processStartTime(2 ** 22 + 1)).toBeUndefined();
  });
});

describe('reclaimStale', () => {
  it('removes --rm containers whose owner is gone, with their name', async () => {
    const cid = await make({ name: 'gone' });
    expect(await reserveName(root, 'gone', cid)).toBe(true);
    const r = await reclaimStale(root);
    expect(r.removed).toContain(cid);
    expect(existsSync(containerDir(root, cid))).toBe(false);
    expect(await reserveName(root, 'gone', 'x')).toBe(true);
  });
  it('marks kept containers exited and drops their work dir', async () => {
    const cid = await make({ rm: false });
    const r = await reclaimStale(root);
    expect(r.marked).toContain(cid);
    expect((await readState(containerDir(root, cid)))?.status).toBe('exited');
    expect(existsSync(path.join(containerDir(root, cid), 'upper'))).toBe(true);
    expect(existsSync(path.join(containerDir(root, cid), 'work'))).toBe(false);
  });
  it('leaves a --rm container alone while a live restart owns it (the old monitor gone), and takes it once that restart is gone', async () => {
    const cid = await make({});
    const dir = containerDir(root, cid);
    writeRecord(dir, { version: 1, detached: true, argv: ['sleep'], hostname: 'h', stopSignal: 'SIGTERM', restarting: true, restartedBy: await processRef(process.pid) });
    expect((await reclaimStale(root)).removed).not.toContain(cid);
    expect(existsSync(dir)).toBe(true);
    writeRecord(dir, { version: 1, detached: true, argv: ['sleep'], hostname: 'h', stopSignal: 'SIGTERM', restarting: true, restartedBy: { pid: process.pid, startTime: 'another-process' } });
    expect((await reclaimStale(root)).removed).toContain(cid);
    expect(existsSync(dir)).toBe(false);
  });
  it('leaves containers of a live owner alone', async () => {
    const cid = await make({ owner: await processRef(process.pid) });
    const r = await reclaimStale(root);
    expect([...r.removed, ...r.marked]).not.toContain(cid);
    expect(existsSync(containerDir(root, cid))).toBe(true);
  });
  it('kills an orphaned container process (owner dead, process alive) before removing', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    const exited = new Promise((r) => child.once('exit', r));
    const cid = await make({ process: await processRef(child.pid as number) });
    const r = await reclaimStale(root);
    expect(r.killed).toContain(cid);
    expect(r.removed).toContain(cid);
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
  });
  it('removes a stateless dir only when it is old (a crashed start), not a fresh one', async () => {
    const fresh = containerDir(root, id());
    mkdirSync(fresh, { recursive: true });
    writeFileSync(path.join(fresh, 'x'), '');
    await reclaimStale(root);
    expect(existsSync(fresh)).toBe(true);
  });
});
