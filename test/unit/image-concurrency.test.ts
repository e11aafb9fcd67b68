// Several processes on one store at once: no lost tag, no corrupt index, the
// lock excludes, and a lock left by a killed process is taken over.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkStore } from '../../src/image/check.js';
import { FileLock, processStartTime } from '../../src/image/lock.js';
import { ImageStore } from '../../src/image/store.js';

const run = promisify(execFile);
const worker = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../helpers/image-worker.ts');
const workers = (root: string, mode: string, count: number, n: number) =>
  Promise.all(Array.from({ length: count }, (_, id) => run(process.execPath, ['--import', 'tsx', worker, root, mode, String(id), String(n)])));

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'tsbuild-conc-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('several processes on one store', () => {
  it('keeps every tag from 4 concurrent writers and a valid index', async () => {
    await workers(root, 'tags', 4, 8);
    const store = await ImageStore.open(root);
    const tags = (await store.list()).flatMap((i) => i.tags).sort();
    const want = ['docker.io/library/shared:last', ...Array.from({ length: 4 }, (_, w) => Array.from({ length: 8 }, (_, i) => `docker.io/library/w${w}:${i}`)).flat()].sort();
    expect(tags).toEqual(want);
    expect((await checkStore(store)).problems).toEqual([]);
    expect(readdirSync(path.join(root, 'image/tmp'))).toEqual([]);
    // one shared layer blob, written by everybody
    const blobs = readdirSync(path.join(root, 'image/blobs/sha256'));
    expect(blobs.length).toBe(1 + 32 * 3);
    await store.close();
  }, 60_000);

  it('the lock excludes: 4 processes × 25 increments lose nothing', async () => {
    await workers(root, 'counter', 4, 25);
    expect(readFileSync(path.join(root, 'counter'), 'utf8')).toBe('100');
  }, 60_000);
});

describe('FileLock staleness', () => {
  it('takes over a lock whose owner died', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid as number;
    const start = processStartTime(pid);
    await new Promise((r) => child.on('exit', r));
    const dir = path.join(root, 'locks');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'x.lock'), `${pid} ${start ?? '1'}\n`);
    const t0 = Date.now();
    const lock = await FileLock.acquire(dir, 'x', { timeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(readFileSync(path.join(dir, 'x.lock'), 'utf8')).toBe(`${process.pid} ${processStartTime(process.pid)}\n`);
    await lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('treats a reused pid with another start time as stale, a live owner as held', async () => {
    const dir = path.join(root, 'locks');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'y.lock'), `${process.pid} 1\n`);
    const lock = await FileLock.acquire(dir, 'y', { timeoutMs: 2000 });
    const err = await FileLock.acquire(dir, 'y', { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/timed out waiting for lock .*y\.lock \(held by pid \d+\)/);
    await lock.release();
  });
});
