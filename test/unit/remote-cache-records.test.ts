import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/builder/cache.js';
import type { BuildPlan, PlannedStage } from '../../src/builder/plan-types.js';
import { buildCacheConfig, exportedStages, exportedSteps, parseCacheConfig } from '../../src/builder/remote-cache/records.js';
import type { Digest } from '../../src/image/digest.js';

const k = (c: string) => c.repeat(64);
const d = (c: string) => `sha256:${c.repeat(64)}` as Digest;

// only the fields the exporter reads
function stage(index: number, base: PlannedStage['base'], steps: [string, string, string][]): PlannedStage {
  return { index, name: `stage-${index}`, base, steps: steps.map(([type, key, label], i) => ({ id: `s${index}.${i + 1}`, key, label, op: { type } })) } as unknown as PlannedStage;
}

// stage 0: helper; stage 1 FROM image; stage 2 FROM stage 1 (target), COPY --from stage 0
const plan = {
  target: 2,
  stages: [
    stage(0, { kind: 'scratch' }, [['from', k('0'), 'FROM scratch'], ['run', k('a'), 'RUN a']]),
    stage(1, { kind: 'image', ref: 'x', manifestDigest: d('9'), id: d('8') }, [['from', k('1'), 'FROM x'], ['run', k('b'), 'RUN b'], ['meta', k('b'), 'ENV X=1']]),
    stage(2, { kind: 'stage', stage: 1 }, [['from', k('b'), 'FROM s1'], ['copy', k('c'), 'COPY --from=0 / /'], ['run', k('d'), 'RUN d']]),
  ],
} as unknown as BuildPlan;

describe('exported stages and steps', () => {
  it('min: the target and the stages it is FROM, in build order', () => {
    expect(exportedStages(plan, 'min').map((s) => s.index)).toEqual([1, 2]);
    expect(exportedSteps(plan, 'min').map((s) => s.label)).toEqual(['RUN b', 'COPY --from=0 / /', 'RUN d']);
  });
  it('max: every stage; FROM and meta steps carry no layer and are left out', () => {
    expect(exportedSteps(plan, 'max').map((s) => s.key)).toEqual([k('a'), k('b'), k('c'), k('d')]);
  });
});

describe('cache config', () => {
  const layer = (c: string) => ({ diffId: d(c), digest: d(c), size: 10, mediaType: 'application/vnd.oci.image.layer.v1.tar' });
  const entries = new Map<string, CacheEntry>([
    [k('a'), { version: 1, key: k('a'), layer: layer('e') }],
    [k('b'), { version: 1, key: k('b'), layer: layer('f') }],
    [k('c'), { version: 1, key: k('c'), layer: layer('e') }], // same layer as a: listed once
    [k('d'), { version: 1, key: k('d') }], // changed no files
  ]);

  it('lists each layer once and every key with its diffID (or none); keys without an entry are left out', () => {
    const steps = [...exportedSteps(plan, 'max'), { key: k('7'), label: 'RUN gone' }];
    const c = buildCacheConfig(steps, entries);
    expect(c.rootfs.diff_ids).toEqual([d('e'), d('f')]);
    expect(c.records).toEqual([
      { key: k('a'), diffId: d('e'), label: 'RUN a' },
      { key: k('b'), diffId: d('f'), label: 'RUN b' },
      { key: k('c'), diffId: d('e'), label: 'COPY --from=0 / /' },
      { key: k('d'), label: 'RUN d' },
    ]);
    expect(parseCacheConfig(Buffer.from(JSON.stringify(c)), 'here')).toEqual(c);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['another kind of config', JSON.stringify({ rootfs: { type: 'layers', diff_ids: [] } }), /not a tsbuild build cache/],
    ['a bad key', JSON.stringify({ tsbuildCache: 1, rootfs: { type: 'layers', diff_ids: [] }, records: [{ key: '../x', label: '' }] }), /bad key/],
    ['a layer not in the cache', JSON.stringify({ tsbuildCache: 1, rootfs: { type: 'layers', diff_ids: [] }, records: [{ key: k('a'), diffId: d('e'), label: '' }] }), /not in the cache/],
  ])('refuses %s, naming the cache', (_what, text, msg) => {
    expect(() => parseCacheConfig(Buffer.from(text), 'reg/app:cache')).toThrow(msg);
    expect(() => parseCacheConfig(Buffer.from(text), 'reg/app:cache')).toThrow(/reg\/app:cache/);
  });
});
