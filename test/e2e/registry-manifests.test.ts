// Pulling the shapes registries serve: an OCI index with several platforms
// (and an attestation), Docker schema2 manifests and manifest lists, zstd and
// uncompressed layers, and a layer whose content does not match its diff_id.
// The images are put into a real docker-registry through the client's own
// upload code, then pulled.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256, type Digest } from '../../src/image/digest.js';
import { normalizeRef } from '../../src/image/refs.js';
import { RegistryClient } from '../../src/image/registry/client.js';
import { endpointFor, manifestUrl } from '../../src/image/registry/endpoint.js';
import { registryMediaTypes as mt } from '../../src/image/registry/media-types.js';
import { pull } from '../../src/image/registry/pull.js';
import { ensureBlob } from '../../src/image/registry/upload.js';
import { ImageStore } from '../../src/image/store.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { missing } from '../helpers/requires.js';

const why = missing('registry') ?? (process.env.PATH?.split(':').some((d) => { try { execFileSync(path.join(d, 'zstd'), ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } }) ? undefined : "needs 'zstd' on PATH");

function tarOf(dir: string, name: string, content: string): Buffer {
  const d = mkdtempSync(path.join(dir, 'src-'));
  writeFileSync(path.join(d, name), content);
  const out = path.join(dir, `${path.basename(d)}.tar`);
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', d, '-cf', out, '.']);
  return readFileSync(out);
}

describe.skipIf(!!why)('pulling manifests, indexes and layer formats', () => {
  let reg: TestRegistry;
  let work: string;
  const stores: ImageStore[] = [];
  const fresh = async (): Promise<ImageStore> => {
    const s = await ImageStore.open(mkdtempSync(path.join(work, 'store-')));
    stores.push(s);
    return s;
  };

  /** Uploads blobs and a manifest; returns the manifest digest. */
  async function putImage(repo: string, tag: string | undefined, layers: { stored: Buffer; tar: Buffer; mediaType: string }[], opts: { arch?: string; manifestType?: string } = {}): Promise<{ digest: Digest; configDigest: Digest; size: number }> {
    const client = new RegistryClient(endpointFor(normalizeRef(`${reg.host}/${repo}`)), { actions: ['pull', 'push'] });
    const config = Buffer.from(JSON.stringify({ architecture: opts.arch ?? 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l.tar)) } }));
    const manifestType = opts.manifestType ?? mt.ociManifest;
    for (const l of layers) await ensureBlob(client, { digest: sha256(l.stored), size: l.stored.length }, { buffer: l.stored });
    await ensureBlob(client, { digest: sha256(config), size: config.length }, { buffer: config });
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestType,
      config: { mediaType: manifestType === mt.dockerManifest ? mt.dockerConfig : mt.ociConfig, digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: sha256(l.stored), size: l.stored.length })),
    }));
    const digest = sha256(manifest);
    const res = await client.request('PUT', manifestUrl(client.endpoint, tag ?? digest), { headers: { 'content-type': manifestType }, body: manifest, ok: [201] });
    await res.body?.cancel();
    return { digest, configDigest: sha256(config), size: manifest.length };
  }

  async function putIndex(repo: string, tag: string, mediaType: string, entries: object[]): Promise<void> {
    const client = new RegistryClient(endpointFor(normalizeRef(`${reg.host}/${repo}`)), { actions: ['pull', 'push'] });
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests: entries }));
    const res = await client.request('PUT', manifestUrl(client.endpoint, tag), { headers: { 'content-type': mediaType }, body, ok: [201] });
    await res.body?.cancel();
  }

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tsbuild-registry-manifests-'));
    reg = await startRegistry({ kind: 'none' });
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await reg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  for (const [indexType, manifestType, layerType] of [
    [mt.ociIndex, mt.ociManifest, mt.ociLayerGzip],
    [mt.dockerManifestList, mt.dockerManifest, mt.dockerLayerGzip],
  ] as const) {
    it(`picks linux/amd64 (or --platform) from ${indexType === mt.ociIndex ? 'an OCI index' : 'a Docker manifest list'}`, async () => {
      const tars = { amd64: tarOf(work, 'arch', 'amd64'), arm64: tarOf(work, 'arch', 'arm64') };
      const amd = await putImage('multi/img', undefined, [{ tar: tars.amd64, stored: gzipSync(tars.amd64), mediaType: layerType }], { manifestType });
      const arm = await putImage('multi/img', undefined, [{ tar: tars.arm64, stored: gzipSync(tars.arm64), mediaType: layerType }], { arch: 'arm64', manifestType });
      const tag = indexType === mt.ociIndex ? 'oci' : 'docker';
      await putIndex('multi/img', tag, indexType, [
        { mediaType: manifestType, digest: arm.digest, size: arm.size, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { mediaType: manifestType, digest: amd.digest, size: amd.size, platform: { os: 'linux', architecture: 'amd64' } },
      ]);
      const s = await fresh();
      const a = await pull(s, normalizeRef(`${reg.host}/multi/img:${tag}`), { platform: { os: 'linux', architecture: 'amd64' } });
      expect(a.id).toBe(amd.configDigest);
      expect(a.repoDigest).toBe(amd.digest);
      const b = await pull(s, normalizeRef(`${reg.host}/multi/img:${tag}`), { platform: { os: 'linux', architecture: 'arm64' } });
      expect(b.id).toBe(arm.configDigest);
      expect(sha256(await s.readBlob(sha256(tars.arm64)))).toBe(sha256(tars.arm64));
      const img = await s.resolve(`${reg.host}/multi/img:${tag}`);
      expect(img.id).toBe(arm.configDigest);
      expect(img.manifest.mediaType).toBe(manifestType);
      await expect(pull(s, normalizeRef(`${reg.host}/multi/img:${tag}`), { platform: { os: 'linux', architecture: 's390x' } })).rejects.toThrow(/no image for linux\/s390x \(it has: linux\/arm64\/v8, linux\/amd64\)/);
    });
  }

  it('pulls zstd layers and uncompressed layers; an all-uncompressed manifest keeps its digest', async () => {
    const tar1 = tarOf(work, 'z', 'zstd layer');
    const tar2 = tarOf(work, 'p', 'plain layer');
    const zfile = path.join(work, 'l.tar');
    writeFileSync(zfile, tar1);
    execFileSync('zstd', ['-q', '-f', zfile, '-o', `${zfile}.zst`]);
    const zst = readFileSync(`${zfile}.zst`);
    const z = await putImage('fmt/zstd', '1', [{ tar: tar1, stored: zst, mediaType: mt.ociLayerZstd }, { tar: tar2, stored: tar2, mediaType: mt.ociLayer }]);
    const s = await fresh();
    const r = await pull(s, normalizeRef(`${reg.host}/fmt/zstd:1`));
    expect(r.id).toBe(z.configDigest);
    expect((await s.readBlob(sha256(tar1))).equals(tar1)).toBe(true);

    const p = await putImage('fmt/plain', '1', [{ tar: tar2, stored: tar2, mediaType: mt.ociLayer }]);
    const q = await pull(s, normalizeRef(`${reg.host}/fmt/plain:1`));
    expect(q.manifestDigest).toBe(p.digest);
    expect(q.repoDigest).toBe(p.digest);
    expect(q.layersPresent).toBe(1);
    // by digest: no tag, but the image is in the store
    const d = await pull(await fresh(), normalizeRef(`${reg.host}/fmt/plain@${p.digest}`));
    expect(d.tag).toBeUndefined();
    expect(d.id).toBe(p.configDigest);
  });

  it('refuses a layer whose content does not match the config diff_id', async () => {
    const good = tarOf(work, 'a', 'what the config says');
    const evil = tarOf(work, 'a', 'something else');
    const client = new RegistryClient(endpointFor(normalizeRef(`${reg.host}/fmt/liar`)), { actions: ['pull', 'push'] });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(good)] } }));
    const gz = gzipSync(evil);
    await ensureBlob(client, { digest: sha256(gz), size: gz.length }, { buffer: gz });
    await ensureBlob(client, { digest: sha256(config), size: config.length }, { buffer: config });
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: mt.ociManifest, config: { mediaType: mt.ociConfig, digest: sha256(config), size: config.length }, layers: [{ mediaType: mt.ociLayerGzip, digest: sha256(gz), size: gz.length }] }));
    const res = await client.request('PUT', manifestUrl(client.endpoint, '1'), { headers: { 'content-type': mt.ociManifest }, body: manifest, ok: [201] });
    await res.body?.cancel();
    const s = await fresh();
    await expect(pull(s, normalizeRef(`${reg.host}/fmt/liar:1`))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(sha256(good)) });
    expect(await s.hasBlob(sha256(evil))).toBe(false);
  });
});
