// --cache-to type=local / --cache-from type=local without a build: cache
// entries of one store go through an OCI layout folder into an empty store,
// layers verified on the way; a changed blob in the folder is refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuildCache } from '../../src/builder/cache.js';
import type { BuildPlan, PlannedStage } from '../../src/builder/plan-types.js';
import { exportCache } from '../../src/builder/remote-cache/export.js';
import { importCache, openCache } from '../../src/builder/remote-cache/import.js';
import { sha256 } from '../../src/image/digest.js';
import { mediaTypes } from '../../src/image/oci.js';
import { ImageStore } from '../../src/image/store.js';

const k = (c: string) => c.repeat(64);
function planOf(keys: string[]): BuildPlan {
  const steps = [{ id: 's0.1', key: k('0'), label: 'FROM scratch', op: { type: 'from' } }, ...keys.map((key, i) => ({ id: `s0.${i + 2}`, key, label: `RUN ${i}`, op: { type: 'run' } }))];
  return { target: 0, stages: [{ index: 0, name: 'stage-0', base: { kind: 'scratch' }, steps } as unknown as PlannedStage] } as unknown as BuildPlan;
}

describe('build cache through a local folder', () => {
  let tmp: string;
  const stores: ImageStore[] = [];
  const open = async (name: string) => {
    const s = await ImageStore.open(path.join(tmp, name));
    stores.push(s);
    return s;
  };
  const layerA = Buffer.from('layer A bytes\n'.repeat(100));
  const layerB = Buffer.from('layer B bytes\n'.repeat(50));
  let dir: string;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-remote-cache-'));
    const src = await open('src');
    const cache = new BuildCache(src.root);
    for (const [key, bytes] of [[k('a'), layerA], [k('b'), layerB]] as const) {
      const d = await src.writeBlob(bytes, { mediaType: mediaTypes.layer });
      await cache.put({ key, layer: { diffId: d.digest, digest: d.digest, size: d.size, mediaType: mediaTypes.layer } });
    }
    await cache.put({ key: k('c') }); // a step that changed no files
    dir = path.join(tmp, 'cache-dir');
    const r = await exportCache(src, planOf([k('a'), k('b'), k('c'), k('d')]), { type: 'local', dir, mode: 'max' }, {});
    expect(r).toMatchObject({ records: 3, layers: 2 });
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('an empty store gets the layers of its own keys, and cache entries for them', async () => {
    const dst = await open('dst');
    const source = await openCache({ type: 'local', dir, mode: 'min' }, {});
    // this plan shares a and c with the export, not b; e is unknown
    const r = await importCache(dst, planOf([k('a'), k('c'), k('e')]), source);
    expect(r).toEqual({ where: `type=local,src=${dir}`, matched: 2, fetched: 1 });
    const cache = new BuildCache(dst.root);
    expect((await cache.get(k('a')))?.layer?.diffId).toBe(sha256(layerA));
    expect(await dst.readBlob(sha256(layerA))).toEqual(layerA);
    expect(await dst.hasBlob(sha256(layerB))).toBe(false);
    expect(await cache.get(k('c'))).toMatchObject({ key: k('c') });
    expect((await cache.get(k('c')))?.layer).toBeUndefined();
    expect(await cache.get(k('e'))).toBeUndefined();
    // a second import finds everything local already
    expect(await importCache(dst, planOf([k('a'), k('c')]), source)).toMatchObject({ matched: 0, fetched: 0 });
  });

  it('a changed layer blob in the folder is refused and nothing is recorded', async () => {
    const copy = path.join(tmp, 'tampered');
    const { cpSync } = await import('node:fs');
    cpSync(dir, copy, { recursive: true });
    const blob = path.join(copy, 'blobs', 'sha256', sha256(layerB).slice(7));
    const bytes = readFileSync(blob);
    bytes[0] = 0x4d;
    writeFileSync(blob, bytes);
    const dst = await open('dst2');
    const source = await openCache({ type: 'local', dir: copy, mode: 'min' }, {});
    await expect(importCache(dst, planOf([k('b')]), source)).rejects.toThrow(new RegExp(`${sha256(layerB)} does not match its digest`));
    expect(await dst.hasBlob(sha256(layerB))).toBe(false);
    expect(await new BuildCache(dst.root).get(k('b'))).toBeUndefined();
  });

  it('a folder that holds no cache is named in the error', async () => {
    await expect(openCache({ type: 'local', dir: path.join(tmp, 'nothing'), mode: 'min' }, {})).rejects.toThrow(/--cache-from type=local,src=.*nothing.*index\.json/);
  });
});
