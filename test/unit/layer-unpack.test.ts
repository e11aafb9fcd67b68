// Unpacking layer blobs of the real store: once per diffID, atomically, safe
// for concurrent callers, verified against the diffID; and the vfs stack.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image/store.js';
import { applyLayers, ensureUnpacked } from '../../src/image/layer/unpack.js';
import { gzipDeterministic } from '../../src/image/layer/compress.js';
import { encodeTar, type TarEntryMeta } from '../../src/image/layer/tar-format.js';
import { sha256 } from '../../src/image/digest.js';

const m = (p: string, type: TarEntryMeta['type'], extra: Partial<TarEntryMeta> = {}): TarEntryMeta => ({ path: p, type, mode: 0o755, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, size: 0, mtime: 1000, ...extra });
const file = (p: string, s: string) => ({ meta: m(p, 'File', { mode: 0o644 }), data: Buffer.from(s) });

async function gzip(b: Buffer): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of gzipDeterministic([b] as unknown as AsyncIterable<Buffer>)) parts.push(c);
  return Buffer.concat(parts);
}

describe('ensureUnpacked / applyLayers', () => {
  let root: string;
  let store: ImageStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'layer-unpack-'));
    store = await ImageStore.open(root);
  });
  afterEach(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
  });

  it('unpacks a gzip blob once into layers/sha256/<diffid>, concurrently safe, no temp dirs left', async () => {
    const tar = encodeTar([{ meta: m('etc/', 'Directory') }, file('etc/os-release', 'ID=test\n'), { meta: m('bin/', 'Directory') }, { meta: m('bin/sh', 'SymbolicLink', { linkpath: 'busybox' }) }]);
    const diffId = sha256(tar);
    const blob = await store.writeBlob(await gzip(tar));
    const results = await Promise.all([1, 2, 3, 4].map(() => ensureUnpacked(store, diffId, blob.digest)));
    const dir = store.layerDir(diffId);
    expect(new Set(results)).toEqual(new Set([dir]));
    expect(dir).toBe(path.join(root, 'layers', 'sha256', diffId.slice(7)));
    expect(await readFile(path.join(dir, 'etc', 'os-release'), 'utf8')).toBe('ID=test\n');
    expect((await stat(dir)).mode & 0o777).toBe(0o755);
    expect(await readdir(path.dirname(dir))).toEqual([diffId.slice(7)]);
    // a second call does not touch it
    const before = (await stat(path.join(dir, 'etc'))).ino;
    await ensureUnpacked(store, diffId, blob.digest);
    expect((await stat(path.join(dir, 'etc'))).ino).toBe(before);
  });

  it('refuses a blob whose contents do not match the diffID, leaving nothing behind', async () => {
    const tar = encodeTar([file('a', 'a')]);
    const blob = await store.writeBlob(tar);
    const wrong = sha256('something else');
    await expect(ensureUnpacked(store, wrong, blob.digest)).rejects.toMatchObject({ code: 'LAYER_DIFFID_MISMATCH', message: expect.stringContaining(blob.digest) });
    expect(await readdir(path.join(root, 'layers', 'sha256'))).toEqual([]);
  });

  it('a refused entry fails the unpack with the entry named and no layer dir', async () => {
    const tar = encodeTar([file('../../escape', 'x')]);
    const blob = await store.writeBlob(tar);
    await expect(ensureUnpacked(store, sha256(tar), blob.digest)).rejects.toMatchObject({ code: 'LAYER_DOTDOT_PATH' });
    expect(await readdir(path.join(root, 'layers', 'sha256'))).toEqual([]);
  });

  it('applyLayers stacks layers into one directory with whiteouts applied (vfs)', async () => {
    const l1 = encodeTar([{ meta: m('d/', 'Directory') }, file('d/a', '1'), file('d/b', '1'), file('top', '1'), file('rm-me', '1')]);
    const l2 = encodeTar([{ meta: m('d/', 'Directory') }, { meta: m('d/.wh..wh..opq', 'File') }, file('d/c', '2'), { meta: m('.wh.rm-me', 'File') }, file('top', '2')]);
    const b1 = await store.writeBlob(l1);
    const b2 = await store.writeBlob(await gzip(l2));
    const target = path.join(root, 'vfs');
    await applyLayers(store, [{ diffId: sha256(l1), blobDigest: b1.digest }, { diffId: sha256(l2), blobDigest: b2.digest }], target);
    expect((await readdir(target)).sort()).toEqual(['d', 'top']);
    expect(await readdir(path.join(target, 'd'))).toEqual(['c']);
    expect(await readFile(path.join(target, 'top'), 'utf8')).toBe('2');
  });
});
