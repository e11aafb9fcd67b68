import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/image/digest.js';
import { commitImage } from '../../src/image/manifest.js';
import { mediaTypes } from '../../src/image/oci.js';
import { ImageStore } from '../../src/image/store.js';
import { isTsbuildError } from '../../src/errors.js';

let root: string;
let store: ImageStore;
beforeEach(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'tsbuild-store-'));
  store = await ImageStore.open(root);
});
afterEach(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

async function makeImage(layerText: string, tags: string[] = []) {
  const layer = await store.writeBlob(Buffer.from(layerText), { mediaType: mediaTypes.layer });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
  return commitImage(store, config, [layer], tags);
}

describe('ImageStore layout', () => {
  it('creates an OCI image layout', () => {
    expect(JSON.parse(readFileSync(path.join(root, 'image/oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(JSON.parse(readFileSync(path.join(root, 'image/index.json'), 'utf8')).manifests).toEqual([]);
  });

  it('opening twice keeps the index', async () => {
    await makeImage('a', ['x:1']);
    const again = await ImageStore.open(root);
    expect((await again.list()).map((i) => i.tags)).toEqual([['docker.io/library/x:1']]);
  });
});

describe('blobs', () => {
  it('stores bytes under their sha256 and is idempotent', async () => {
    const a = await store.writeBlob(Buffer.from('hello'));
    const b = await store.writeBlob(Buffer.from('hello'));
    expect(a.digest).toBe(sha256('hello'));
    expect(b).toEqual(a);
    expect(readFileSync(store.blobPath(a.digest), 'utf8')).toBe('hello');
    expect(readdirSync(path.join(root, 'image/blobs/sha256'))).toHaveLength(1);
    expect(readdirSync(path.join(root, 'image/tmp'))).toHaveLength(0);
  });

  it('hashes streams while writing', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(10_000, i));
    const d = await store.writeBlob(Readable.from(chunks));
    expect(d.digest).toBe(sha256(Buffer.concat(chunks)));
    expect(d.size).toBe(500_000);
    expect(await store.hasBlob(d.digest)).toBe(true);
  });

  it('refuses content that does not match the expected digest and leaves nothing', async () => {
    const err = await store.writeBlob(Readable.from([Buffer.from('evil')]), { expectedDigest: sha256('good') }).catch((e: unknown) => e);
    expect(isTsbuildError(err) && err.code).toBe('DIGEST_MISMATCH');
    expect(await store.hasBlob(sha256('evil'))).toBe(false);
    expect(readdirSync(path.join(root, 'image/tmp'))).toHaveLength(0);
  });

  it('rejects malformed digests in paths', () => {
    expect(() => store.blobPath('sha256:../../etc/passwd')).toThrow(/invalid digest/);
    expect(store.layerDir(sha256('x'))).toBe(path.join(root, 'layers/sha256', sha256('x').slice(7)));
  });
});

describe('tags', () => {
  it('resolves by tag, familiar name, ID, ID prefix and name@digest', async () => {
    const img = await makeImage('one', ['busybox']);
    for (const q of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', img.id, img.id.slice(7, 19), `busybox@${img.manifestDigest}`]) {
      const r = await store.resolve(q);
      expect(r.id, q).toBe(img.id);
      expect(r.manifestDigest).toBe(img.manifestDigest);
    }
    await expect(store.resolve('nope')).rejects.toThrow(/no such image: nope/);
  });

  it('moves a tag and keeps the old image untagged', async () => {
    const a = await makeImage('a', ['app:1']);
    const b = await makeImage('b', ['app:1']);
    const list = await store.list();
    expect(list.find((i) => i.id === b.id)?.tags).toEqual(['docker.io/library/app:1']);
    expect(list.find((i) => i.id === a.id)?.tags).toEqual([]);
  });

  it('untag of the last name removes the image from the index', async () => {
    const a = await makeImage('a', ['app:1', 'app:2']);
    expect(await store.untag('app:1')).toEqual({ manifestDigest: a.manifestDigest, deleted: false });
    expect(await store.untag('app:2')).toEqual({ manifestDigest: a.manifestDigest, deleted: true });
    expect(await store.list()).toEqual([]);
    expect(await store.untag('app:2')).toBeUndefined();
  });

  it('refuses to tag a manifest whose blobs are missing', async () => {
    const img = await makeImage('a');
    rmSync(store.blobPath(img.manifest.layers[0]!.digest));
    await expect(store.tag('broken:1', img.manifestDigest)).rejects.toThrow(/needs blob/);
    expect((await store.list()).flatMap((i) => i.tags)).toEqual([]);
  });
});
