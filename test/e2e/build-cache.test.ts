// A real build of fixtures/build/basic, its result checked, and the cache
// proven by stamps: a rebuild keeps every stamp; a one-byte change that keeps
// a file's size and mtime (touch -r) re-runs that COPY and every later step,
// and nothing before it.
import { execFileSync } from 'node:child_process';
import { lstatSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { cachedSteps, cleanupBusybox, ensureNative, makeStore, type TestStore } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('build: basic fixture and the cache', () => {
  let s: TestStore;
  let ctx: string;
  beforeAll(async () => {
    ensureNative();
    s = await makeStore();
    ctx = s.context('basic');
  });
  afterAll(() => {
    s?.cleanup();
    cleanupBusybox();
  });

  const stamps = async (ref: string) => Promise.all(['/stamp0', '/stamp1', '/stamp2'].map((p) => s.file(ref, p)));

  it('builds: files, .dockerignore, ENV/WORKDIR/ARG, config and history', async () => {
    const r = await s.build(['-t', 'basic:1', ctx]);
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(r.stderr).toContain('hello from world');
    expect(await s.file('basic:1', '/greeting')).toBe('hi /opt/app\n');
    expect(await s.file('basic:1', '/opt/app/one.txt')).toBe('first\n');
    expect(await s.file('basic:1', '/opt/app/all/two.txt')).toBe('second\n');
    expect(await s.file('basic:1', '/logs/keep.log')).toBe('keep\n');
    expect(await s.file('basic:1', '/logs/x.log')).toBeUndefined(); // .dockerignore
    const cfg = await s.config('basic:1');
    expect(cfg.created).toBe('1970-01-01T00:00:00Z');
    expect(cfg.config).toMatchObject({
      User: 'app',
      WorkingDir: '/opt/app',
      Cmd: ['sh', '-c', 'cat /greeting'],
      Labels: { 'org.example.fixture': 'basic' },
      ExposedPorts: { '8080/tcp': {} },
    });
    expect(cfg.config?.Env).toContain('APP_HOME=/opt/app');
    expect(cfg.config?.Env?.some((e) => e.startsWith('GREETING'))).toBe(false); // ARGs stay out of the image
    const history = cfg.history ?? [];
    expect(history.map((h) => h.created_by)).toContain('COPY app/one.txt ./');
    expect(history.find((h) => h.created_by === 'EXPOSE 8080')?.empty_layer).toBe(true);
    expect(cfg.rootfs.diff_ids).toHaveLength(1 + 6);
  });

  it('a rebuild hits the cache for every RUN and COPY and keeps every stamp', async () => {
    const before = await stamps('basic:1');
    const r = await s.build(['-t', 'basic:2', ctx]);
    expect(r.code).toBe(0);
    expect(cachedSteps(r.stderr)).toHaveLength(6);
    expect(await stamps('basic:2')).toEqual(before);
    expect(r.stdout).toBe((await s.build(['-t', 'basic:3', ctx])).stdout);
  });

  it('a fully cached rebuild under a tag it already has writes nothing to the store (no blob, index, lock, cache file or temp dir)', async () => {
    const listing = () => {
      const out: string[] = [];
      const visit = (dir: string) => {
        for (const name of readdirSync(dir).sort()) {
          const p = path.join(dir, name);
          const st = lstatSync(p);
          out.push(`${path.relative(s.root, p)} ${st.ino} ${st.size} ${st.mtimeMs} ${st.ctimeMs}`);
          if (st.isDirectory()) visit(p);
        }
      };
      visit(s.root);
      return out;
    };
    const before = listing();
    const r = await s.build(['-t', 'basic:3', ctx]);
    expect(r.code).toBe(0);
    expect(cachedSteps(r.stderr)).toHaveLength(6);
    expect(listing()).toEqual(before);
    // a new tag for the same image is the one write
    expect((await s.build(['-t', 'basic:3b', ctx])).stdout).toBe(r.stdout);
    expect(listing()).not.toEqual(before);
  });

  it('one changed byte with the same size and mtime re-runs that COPY and everything after it, nothing before', async () => {
    const before = await stamps('basic:1');
    const f = path.join(ctx, 'app', 'two.txt');
    const ref = path.join(s.tmp, 'ref');
    writeFileSync(ref, '');
    execFileSync('touch', ['-r', f, ref]);
    writeFileSync(f, 'secoND\n');
    execFileSync('touch', ['-r', ref, f]);
    const r = await s.build(['-t', 'basic:4', ctx]);
    expect(r.code).toBe(0);
    const cached = cachedSteps(r.stderr);
    expect(cached).toEqual([
      '[base 4/14] RUN cat /proc/sys/kernel/random/uuid > /stamp0',
      '[base 6/14] COPY app/one.txt ./',
      '[base 7/14] RUN cat /proc/sys/kernel/random/uuid > /stamp1',
    ]);
    const after = await stamps('basic:4');
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    expect(after[2]).not.toBe(before[2]);
    expect(await s.file('basic:4', '/opt/app/all/two.txt')).toBe('secoND\n');
  });

  it('--no-cache runs everything again', async () => {
    const before = await stamps('basic:4');
    const r = await s.build(['--no-cache', '-t', 'basic:5', ctx]);
    expect(r.code).toBe(0);
    expect(cachedSteps(r.stderr)).toEqual([]);
    const after = await stamps('basic:5');
    for (let i = 0; i < 3; i++) expect(after[i]).not.toBe(before[i]);
  });
});
