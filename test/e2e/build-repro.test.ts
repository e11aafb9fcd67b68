// Reproducible by default: the same Boxfile and context, built in two fresh
// stores from copies with different mtimes, give the same image ID and
// manifest digest; a golden ID for a FROM-scratch fixture is checked in, so
// any clock that leaks into a config, history or layer fails here.
// SOURCE_DATE_EPOCH sets `created` and clamps mtimes. Also: a failing RUN's
// message and exit code.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { cleanupBusybox, ensureNative, fixtures, makeStore, type TestStore } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');
const golden = readFileSync(path.join(fixtures, 'golden', 'IMAGE_ID'), 'utf8').trim();

function setMtimes(dir: string, when: string): void {
  execFileSync('find', [dir, '-exec', 'touch', '-h', '-d', when, '{}', '+']);
}

describe.skipIf(!!why)('build: reproducible images', () => {
  const stores: TestStore[] = [];
  beforeAll(async () => {
    ensureNative();
    stores.push(await makeStore(), await makeStore());
  });
  afterAll(() => {
    for (const s of stores) s.cleanup();
    cleanupBusybox();
  });

  it('FROM scratch: two fresh stores, different mtimes → the checked-in golden image ID', async () => {
    const [a, b] = stores as [TestStore, TestStore];
    const ca = a.context('golden');
    const cb = b.context('golden');
    setMtimes(ca, '2001-02-03 04:05:06');
    setMtimes(cb, '2023-09-10 11:12:13');
    const ra = await a.build(['-t', 'golden', ca]);
    const rb = await b.build(['-t', 'golden', cb]);
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    expect(ra.stdout.trim()).toBe(rb.stdout.trim());
    expect(ra.stdout.trim()).toBe(golden);
    const cfg = await a.config('golden');
    expect(cfg.created).toBe('1970-01-01T00:00:00Z');
    expect(cfg.history?.every((h) => h.created === '1970-01-01T00:00:00Z')).toBe(true);
  });

  it('RUN layers too: same image ID and manifest digest from two stores', async () => {
    const [a, b] = stores as [TestStore, TestStore];
    const ca = a.context('repro');
    const cb = b.context('repro');
    setMtimes(ca, '2005-05-05 05:05:05');
    setMtimes(cb, '2020-01-01 00:00:00');
    const ra = await a.build(['-t', 'repro', ca]);
    const rb = await b.build(['-t', 'repro', cb]);
    expect(ra.code).toBe(0);
    expect(ra.stdout).toBe(rb.stdout);
    const manifests = await Promise.all([a, b].map(async (s) => (await import('../../src/image/store.js')).ImageStore.open(s.root).then(async (st) => {
      try {
        return (await st.resolve('repro')).manifestDigest;
      } finally {
        await st.close();
      }
    })));
    expect(manifests[0]).toBe(manifests[1]);
  });

  it('SOURCE_DATE_EPOCH (env or build arg) sets created and changes the ID', async () => {
    const [a] = stores as [TestStore];
    const c = a.context('golden');
    const viaEnv = await a.build(['-t', 'golden:epoch', c], { env: { SOURCE_DATE_EPOCH: '86400' } });
    const viaArg = await a.build(['--build-arg', 'SOURCE_DATE_EPOCH=86400', c]);
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toBe(viaArg.stdout);
    expect(viaEnv.stdout.trim()).not.toBe(golden);
    expect((await a.config('golden:epoch')).created).toBe('1970-01-02T00:00:00Z');
    // the layers this store made under the default epoch are not reused for another
    // epoch (their mtimes differ): a fresh store gives the very same ID
    const fresh = await makeStore({ busybox: false });
    try {
      const f = await fresh.build([fresh.context('golden')], { env: { SOURCE_DATE_EPOCH: '86400' } });
      expect(f.code, f.stderr).toBe(0);
      expect(f.stdout).toBe(viaEnv.stdout);
    } finally {
      fresh.cleanup();
    }
  });
});

describe.skipIf(!!why)('build: a failing RUN', () => {
  let s: TestStore;
  beforeAll(async () => {
    ensureNative();
    s = await makeStore();
  });
  afterAll(() => {
    s?.cleanup();
    cleanupBusybox();
  });

  it('stops the build with Boxfile:LINE: RUN …: exit N, its last output lines, and exit code 1', async () => {
    const dir = s.context('fail');
    const r = await s.build(['.'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tsbuild: Boxfile:3: RUN echo "about to fail" && echo "on stderr" >&2 && exit 3: exit 3');
    const tail = r.stderr.slice(r.stderr.indexOf('tsbuild: Boxfile:3'));
    expect(tail).toContain('about to fail');
    expect(tail).toContain('on stderr');
    expect(r.stderr).not.toContain('never');
    expect(r.stdout).toBe('');
  });

  it('a bad Boxfile exits 2 with its position', async () => {
    const dir = s.context('fail');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'Boxfile'), 'FROM busybox\nRUNN echo\n');
    const r = await s.build(['.'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Boxfile:2:1: /);
  });
});
