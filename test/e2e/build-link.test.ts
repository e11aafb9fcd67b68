// COPY --link, proven by effect: the layer is made apart from the image
// below it, so a rebuild on a changed base stage reuses the same layer blob
// (its step is a cache hit) while the steps after it run again; folders
// above the destination are new in the layer (0755, the --chown owner);
// --chown by name is refused at planning time, as BuildKit does.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layerDirs, lookupInLayers } from '../../src/builder/rootfs.js';
import { ImageStore } from '../../src/image/store.js';
import { missing } from '../helpers/requires.js';
import { cachedSteps, cleanupBusybox, ensureNative, makeStore, type TestStore } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('build: COPY --link', () => {
  let s: TestStore;
  let ctx: string;
  beforeAll(async () => {
    ensureNative();
    s = await makeStore();
    ctx = s.context('link');
  });
  afterAll(() => {
    s?.cleanup();
    cleanupBusybox();
  });

  const statIn = async (ref: string, p: string) => {
    const store = await ImageStore.open(s.root);
    try {
      const img = await store.resolve(ref);
      const layers = img.manifest.layers.map((l, i) => ({ diffId: img.config.rootfs.diff_ids[i]!, digest: l.digest, size: l.size, mediaType: l.mediaType }));
      return await lookupInLayers(await layerDirs(store, layers), p);
    } finally {
      await store.close();
    }
  };

  it('a changed base stage keeps the --link layers (same diffIDs, cache hits) and re-runs what follows', async () => {
    const a = await s.build(['-t', 'link:a', '--build-arg', 'STAMP=1', ctx]);
    expect(a.code, a.stderr).toBe(0);
    const b = await s.build(['-t', 'link:b', '--build-arg', 'STAMP=2', ctx]);
    expect(b.code, b.stderr).toBe(0);
    expect(cachedSteps(b.stderr)).toEqual(['[stage-1 3/5] COPY app/ ./', '[stage-1 4/5] COPY conf.txt /etc/deep/conf.txt']);
    const ca = await s.config('link:a');
    const cb = await s.config('link:b');
    // busybox, the base RUN, two --link layers, the last RUN
    expect(ca.rootfs.diff_ids).toHaveLength(5);
    expect(cb.rootfs.diff_ids[1]).not.toBe(ca.rootfs.diff_ids[1]);
    expect(cb.rootfs.diff_ids.slice(2, 4)).toEqual(ca.rootfs.diff_ids.slice(2, 4));
    expect(await s.file('link:a', '/all.txt')).toBe('from a\nconf\n1\n');
    expect(await s.file('link:b', '/all.txt')).toBe('from a\nconf\n2\n');
    expect(await s.file('link:b', '/base-id')).not.toBe(await s.file('link:a', '/base-id'));
  });

  it('the layer holds the destination folders itself: 0755, owned by the --chown ids', async () => {
    const conf = await statIn('link:a', '/etc/deep/conf.txt');
    expect(conf && [conf.uid, conf.gid, conf.mode & 0o7777]).toEqual([1000, 1000, 0o640]);
    const deep = await statIn('link:a', '/etc/deep');
    expect(deep && [deep.isDirectory(), deep.uid, deep.gid, deep.mode & 0o7777]).toEqual([true, 1000, 1000, 0o755]);
    const app = await statIn('link:a', '/opt/app/a.txt');
    expect(app && [app.uid, app.gid]).toEqual([0, 0]);
  });

  it('a changed source file rebuilds only its --link layer and what follows', async () => {
    writeFileSync(path.join(ctx, 'conf.txt'), 'conf 2\n');
    const r = await s.build(['-t', 'link:c', '--build-arg', 'STAMP=1', ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(cachedSteps(r.stderr)).toEqual(['[base 3/3] RUN echo "$STAMP" > /stamp && cat /proc/sys/kernel/random/uuid > /base-id', '[stage-1 3/5] COPY app/ ./']);
    expect(await s.file('link:c', '/all.txt')).toBe('from a\nconf 2\n1\n');
    writeFileSync(path.join(ctx, 'conf.txt'), 'conf\n');
  });

  it('--link --chown by name is refused with the Boxfile position', async () => {
    const dir = path.join(s.tmp, 'named');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'f'), 'x\n');
    writeFileSync(path.join(dir, 'Boxfile'), 'FROM busybox\nCOPY --link --chown=daemon f /f\n');
    const r = await s.build(['-t', 'link:named', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Boxfile:2:\d+: COPY --link --chown=daemon: names cannot be looked up with --link/);
    writeFileSync(path.join(dir, 'Boxfile'), 'FROM busybox\nCOPY --link --chown=root:root f /f\n');
    const ok = await s.build(['-t', 'link:root', dir]);
    expect(ok.code, ok.stderr).toBe(0);
  });
});
