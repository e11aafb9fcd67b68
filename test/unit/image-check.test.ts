// system check finds broken images; prune collects what nothing references
// and never what a tag needs.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkStore } from '../../src/image/check.js';
import { sha256 } from '../../src/image/digest.js';
import { commitImage } from '../../src/image/manifest.js';
import { mediaTypes } from '../../src/image/oci.js';
import { pruneStore } from '../../src/image/prune.js';
import { ImageStore } from '../../src/image/store.js';

let root: string;
let store: ImageStore;
beforeEach(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'tsbuild-check-'));
  store = await ImageStore.open(root);
});
afterEach(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

async function image(text: string, tags: string[]) {
  const layer = await store.writeBlob(Buffer.from(text), { mediaType: mediaTypes.layer });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
  return commitImage(store, config, [layer], tags);
}

describe('system check', () => {
  it('passes on a sound store', async () => {
    await image('a', ['a:1']);
    await image('b', ['b:1']);
    expect(await checkStore(store)).toEqual({ images: 2, blobsVerified: 6, problems: [], leftovers: [] });
    writeFileSync(path.join(root, 'image/tmp', '.blob-1-x'), 'partial');
    expect((await checkStore(store)).leftovers).toEqual([path.join(root, 'image/tmp', '.blob-1-x')]);
  });

  it('finds a corrupted layer blob and names the image', async () => {
    const img = await image('layer bytes', ['victim:1']);
    await image('fine', ['fine:1']);
    writeFileSync(store.blobPath(img.manifest.layers[0]!.digest), 'tampered');
    const r = await checkStore(store);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(new RegExp(`^victim:1: layer 0: blob ${img.manifest.layers[0]!.digest} is corrupt \\(its content hashes to ${sha256('tampered')}\\)`));
  });

  it('finds a tag pointing at a missing manifest and a missing config', async () => {
    const a = await image('a', ['a:1']);
    const b = await image('b', ['b:1']);
    rmSync(store.blobPath(a.manifestDigest));
    rmSync(store.blobPath(b.id));
    const r = await checkStore(store);
    expect(r.problems).toEqual([`a:1: manifest blob ${a.manifestDigest} is missing`, `b:1: config blob ${b.id} is missing`]);
  });

  it('reports a corrupt index.json instead of crashing', async () => {
    writeFileSync(path.join(root, 'image/index.json'), '{"manifests": [');
    const r = await checkStore(store);
    expect(r.problems[0]).toMatch(/index\.json is not a valid OCI index/);
  });
});

describe('prune', () => {
  it('removes unreferenced blobs, untagged images, stale temp files and unpacked layers; keeps tagged ones', async () => {
    const keep = await image('keep', ['keep:1']);
    const drop = await image('drop', ['drop:1']);
    const untagged = await image('untagged', []);
    await store.untag('drop:1');
    const stray = await store.writeBlob(Buffer.from('stray'));
    const tmpLeft = path.join(root, 'image/tmp', '.blob-99999-abc');
    writeFileSync(tmpLeft, 'partial');
    mkdirSync(store.layerDir(keep.manifest.layers[0]!.digest), { recursive: true });
    mkdirSync(store.layerDir(drop.manifest.layers[0]!.digest), { recursive: true });
    mkdirSync(path.join(root, 'layers/sha256/.tmp-abc-123'), { recursive: true });
    await store.close(); // our own session would not protect anything anyway; make it explicit

    const r = await pruneStore(store);
    expect(r.removedImages).toEqual([untagged.manifestDigest]);
    expect(new Set(r.removedBlobs)).toEqual(
      new Set([stray.digest, drop.id, drop.manifestDigest, drop.manifest.layers[0]!.digest, untagged.id, untagged.manifestDigest, untagged.manifest.layers[0]!.digest]),
    );
    expect(r.removedTemp).toContain(tmpLeft);
    expect(r.removedLayers.sort()).toEqual([drop.manifest.layers[0]!.digest, 'sha256:.tmp-abc-123'].sort());
    expect(existsSync(store.layerDir(keep.manifest.layers[0]!.digest))).toBe(true);
    expect(readdirSync(path.join(root, 'image/blobs/sha256')).sort()).toEqual([keep.id, keep.manifestDigest, keep.manifest.layers[0]!.digest].map((d) => d.slice(7)).sort());
    expect((await checkStore(store)).problems).toEqual([]);
    expect(r.reclaimedBytes).toBeGreaterThan(0);
  });

  it('collects cached gzips of layers that no image has any more', async () => {
    const keep = await image('kept layer', ['keep:1']);
    const drop = await image('dropped layer', ['drop:1']);
    const cache = path.join(root, 'registry/gzip-cache');
    mkdirSync(cache, { recursive: true });
    const keptGz = path.join(cache, keep.manifest.layers[0]!.digest.slice(7));
    const droppedGz = path.join(cache, drop.manifest.layers[0]!.digest.slice(7));
    const partial = path.join(cache, '.gzip-1-x');
    for (const f of [keptGz, droppedGz, partial]) writeFileSync(f, 'gzip bytes');
    await store.untag('drop:1');
    await store.close();
    const r = await pruneStore(store);
    expect(r.removedTemp).toEqual(expect.arrayContaining([droppedGz, partial]));
    expect(readdirSync(cache)).toEqual([path.basename(keptGz)]);
  });

  it('keeps fresh blobs while another live process has a writer session', async () => {
    const w = path.join(root, 'locks/writers');
    // a live foreign session (pid 1 = init, which is alive) that started now
    const init = readFileSync('/proc/1/stat', 'utf8');
    const start = init.slice(init.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(path.join(w, `1-${start}-x`), `1 ${start}\n${Date.now()}\n`);
    const fresh = await store.writeBlob(Buffer.from('fresh, not tagged yet'));
    const old = await store.writeBlob(Buffer.from('old leftover'));
    const t = new Date(Date.now() - 3600_000);
    utimesSync(store.blobPath(old.digest), t, t);
    const r = await pruneStore(store);
    expect(r.removedBlobs).toEqual([old.digest]);
    expect(await store.hasBlob(fresh.digest)).toBe(true);
    expect(r.notes.join('\n')).toMatch(/other tsbuild process/);
  });
});
