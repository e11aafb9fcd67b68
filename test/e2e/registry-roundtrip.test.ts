// Push and pull against a real registry (Debian's docker-registry) without
// auth: round trips keep the image ID, skopeo sees what tsbuild pushed,
// tsbuild pulls what skopeo pushed (gzip layers), pushes are deterministic,
// large blobs go in chunks, other repositories' blobs are mounted, and a
// tampered blob in the registry's storage is refused by digest.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaTypes } from '../../src/image/oci.js';
import { normalizeRef, parseRef } from '../../src/image/refs.js';
import { pull } from '../../src/image/registry/pull.js';
import { push } from '../../src/image/registry/push.js';
import { ensureImage } from '../../src/image/registry/ensure.js';
import { repoDigestsOf } from '../../src/image/registry/repo-digests.js';
import type { TransferEvent } from '../../src/image/registry/events.js';
import { ImageStore } from '../../src/image/store.js';
import { sha256 } from '../../src/image/digest.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { importTar, startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { missing } from '../helpers/requires.js';
import { main } from '../../src/cli/main.js';

const why = missing('registry', 'skopeo', 'busybox', 'root');

/** A tar of one file with random content (incompressible), made with GNU tar. */
function randomTar(dir: string, name: string, bytes: number): Buffer {
  const d = mkdtempSync(path.join(dir, 'rt-'));
  writeFileSync(path.join(d, name), randomBytes(bytes));
  const out = path.join(dir, `${name}.tar`);
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', d, '-cf', out, '.']);
  return readFileSync(out);
}

function skopeo(args: string[]): string {
  return execFileSync('skopeo', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe.skipIf(!!why)('registry round trips (no auth)', () => {
  let reg: TestRegistry;
  let work: string;
  let rootfs: BusyboxRootfs;
  let src: ImageStore;
  let busybox: { id: string; manifestDigest: string };
  const stores: ImageStore[] = [];
  const freshStore = async (): Promise<ImageStore> => {
    const s = await ImageStore.open(mkdtempSync(path.join(work, 'store-')));
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tsbuild-registry-e2e-'));
    reg = await startRegistry({ kind: 'none' });
    rootfs = makeBusyboxRootfs({ tar: true });
    src = await freshStore();
    busybox = await importTar(src, readFileSync(rootfs.tar as string), 'tsbuild-test/busybox:1');
  });

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await reg?.stop();
    rootfs?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('push then pull into a fresh store gives the same image ID and layer bytes', async () => {
    const image = await src.resolve('tsbuild-test/busybox:1');
    const dest = parseRef(`${reg.host}/tsbuild/busybox:1`);
    const pushed = await push(src, image, dest);
    expect(pushed.layers).toHaveLength(1);
    expect(pushed.layers[0]?.digest).not.toBe(image.manifest.layers[0]?.digest); // gzipped for the registry

    const dst = await freshStore();
    const pulled = await pull(dst, normalizeRef(`${reg.host}/tsbuild/busybox:1`));
    expect(pulled.id).toBe(busybox.id);
    expect(pulled.repoDigest).toBe(pushed.manifestDigest);
    expect(pulled.layersDownloaded).toBe(1);
    const back = await dst.resolve(`${reg.host}/tsbuild/busybox:1`);
    expect(back.id).toBe(busybox.id);
    expect(back.configBytes.equals(image.configBytes)).toBe(true);
    expect(back.manifest.layers[0]?.digest).toBe(image.manifest.layers[0]?.digest);
    expect(sha256(await dst.readBlob(back.manifest.layers[0]!.digest))).toBe(image.manifest.layers[0]?.digest);

    // the registry's manifest digest is remembered for both stores (Docker's RepoDigests)
    expect(pulled.manifestDigest).not.toBe(pulled.repoDigest);
    expect(await repoDigestsOf(dst, pulled.manifestDigest)).toEqual([`${reg.host}/tsbuild/busybox@${pushed.manifestDigest}`]);
    expect(await repoDigestsOf(src, image.manifestDigest)).toContain(`${reg.host}/tsbuild/busybox@${pushed.manifestDigest}`);
    // NAME@<registry digest> resolves locally after the pull, and inspect shows it, as Docker does
    const byDigest = await dst.resolve(`${reg.host}/tsbuild/busybox@${pulled.repoDigest}`);
    expect(byDigest.manifestDigest).toBe(pulled.manifestDigest);
    await expect(dst.resolve(`${reg.host}/tsbuild/other@${pulled.repoDigest}`)).rejects.toThrow(/no such image/);
    const out: string[] = [];
    const io = { stdout: { write: (t: string) => (out.push(t), true) } as unknown as NodeJS.WritableStream, stderr: { write: () => true } as unknown as NodeJS.WritableStream, env: {} };
    expect(await main(['--root', dst.root, 'inspect', `${reg.host}/tsbuild/busybox@${pulled.repoDigest}`], io)).toBe(0);
    expect((JSON.parse(out.join('')) as { RepoDigests: string[] }[])[0]?.RepoDigests).toEqual([`${reg.host}/tsbuild/busybox@${pushed.manifestDigest}`]);

    // a second pull finds everything present
    const again = await pull(dst, normalizeRef(`${reg.host}/tsbuild/busybox:1`));
    expect(again).toMatchObject({ layersDownloaded: 0, layersPresent: 1, id: busybox.id });
  });

  it('skopeo inspect sees what tsbuild pushed', async () => {
    const image = await src.resolve('tsbuild-test/busybox:1');
    const pushed = await push(src, image, parseRef(`${reg.host}/tsbuild/inspected:v1`));
    const info = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${reg.host}/tsbuild/inspected:v1`])) as { Digest: string; Layers: string[]; Architecture: string; Os: string };
    expect(info.Digest).toBe(pushed.manifestDigest);
    expect(info.Layers).toEqual([pushed.layers[0]?.digest]);
    expect(info.Architecture).toBe('amd64');
    const raw = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/tsbuild/inspected:v1`])) as { mediaType: string; config: { digest: string }; layers: { mediaType: string }[] };
    expect(raw.mediaType).toBe(mediaTypes.manifest);
    expect(raw.config.digest).toBe(busybox.id);
    expect(raw.layers[0]?.mediaType).toBe(mediaTypes.layerGzip);
    // skopeo can read the whole image: copy it out and check the layer's uncompressed digest
    const out = path.join(work, 'skopeo-out');
    skopeo(['copy', '--src-tls-verify=false', `docker://${reg.host}/tsbuild/inspected:v1`, `dir:${out}`]);
    const cfg = JSON.parse(readFileSync(path.join(out, busybox.id.slice(7)), 'utf8')) as { rootfs: { diff_ids: string[] } };
    expect(cfg.rootfs.diff_ids).toEqual([image.manifest.layers[0]?.digest]);
  });

  it('pushing the same image twice gives the same digests and uploads nothing the second time', async () => {
    const image = await src.resolve('tsbuild-test/busybox:1');
    const events: TransferEvent[] = [];
    const a = await push(src, image, parseRef(`${reg.host}/tsbuild/twice:1`));
    // a fresh store (no push state): the gzip must come out the same bytes
    const other = await freshStore();
    const tar = await src.readBlob(image.manifest.layers[0]!.digest);
    await importTar(other, tar, 'tsbuild-test/busybox:1');
    const b = await push(other, await other.resolve('tsbuild-test/busybox:1'), parseRef(`${reg.host}/tsbuild/twice:1`), { onEvent: (e) => events.push(e) });
    expect(b.manifestDigest).toBe(a.manifestDigest);
    expect(b.layers.map((l) => l.digest)).toEqual(a.layers.map((l) => l.digest));
    expect(b.layers.map((l) => l.how)).toEqual(['exists']);
    expect(events.some((e) => e.type === 'blob' && e.status === 'started')).toBe(false);
  });

  it('uploads large blobs in chunks and mounts blobs from another repository', async () => {
    const s = await freshStore();
    const img = await importTar(s, randomTar(work, 'big', 3 * 1024 * 1024 + 123), 'tsbuild-test/big:1');
    const image = await s.resolve('tsbuild-test/big:1');
    const first = await push(s, image, parseRef(`${reg.host}/tsbuild/big:1`), { monolithicMax: 1024 * 1024, chunkSize: 512 * 1024 });
    expect(first.layers[0]?.how).toBe('chunked');
    const second = await push(s, image, parseRef(`${reg.host}/other/big:1`));
    expect(second.layers[0]?.how).toBe('mounted');
    // from a store that never pushed it: compressed while uploading, to the same bytes
    const s2 = await freshStore();
    await importTar(s2, await s.readBlob(image.manifest.layers[0]!.digest), 'tsbuild-test/big:1');
    const third = await push(s2, await s2.resolve('tsbuild-test/big:1'), parseRef(`${reg.host}/third/big:1`), { monolithicMax: 1024 * 1024, chunkSize: 512 * 1024 });
    expect(third.layers[0]).toMatchObject({ how: 'chunked', digest: first.layers[0]?.digest, size: first.layers[0]?.size });
    expect(third.manifestDigest).toBe(first.manifestDigest);
    const dst = await freshStore();
    const pulled = await pull(dst, normalizeRef(`${reg.host}/other/big:1`));
    expect(pulled.id).toBe(img.id);
    expect(sha256(await dst.readBlob(image.manifest.layers[0]!.digest))).toBe(image.manifest.layers[0]?.digest);
  });

  it('streams a large blob in one PATCH, and a second push to another registry uploads the cached gzip', async () => {
    const s = await freshStore();
    // text-like, so the gzip is smaller than the tar and really compressed
    const d = mkdtempSync(path.join(work, 'txt-'));
    writeFileSync(path.join(d, 'a.txt'), Array.from({ length: 60_000 }, (_, i) => `line ${i} ${randomBytes(8).toString('hex')}\n`).join(''));
    const out = path.join(work, 'txt.tar');
    execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', d, '-cf', out, '.']);
    await importTar(s, readFileSync(out), 'tsbuild-test/text:1');
    const image = await s.resolve('tsbuild-test/text:1');
    const first = await push(s, image, parseRef(`${reg.host}/streamed/text:1`), { monolithicMax: 256 * 1024 });
    expect(first.layers[0]?.how).toBe('streamed');
    expect(first.layers[0]!.size).toBeLessThan(image.manifest.layers[0]!.size);
    const cacheDir = path.join(s.root, 'registry', 'gzip-cache');
    expect(readdirSync(cacheDir)).toEqual([image.manifest.layers[0]!.digest.slice(7)]);
    const other = await startRegistry({ kind: 'none' });
    try {
      const second = await push(s, image, parseRef(`${other.host}/again/text:1`), { monolithicMax: 256 * 1024 });
      expect(second.layers[0]).toMatchObject({ how: 'streamed, cached gzip', digest: first.layers[0]?.digest, size: first.layers[0]?.size });
      expect(second.manifestDigest).toBe(first.manifestDigest);
      // a damaged cache entry is refused by the registry's digest check, dropped, and made again
      const entry = path.join(cacheDir, readdirSync(cacheDir)[0]!);
      const fd = openSync(entry, 'r+');
      writeSync(fd, Buffer.from('XX'), 0, 2, 100);
      closeSync(fd);
      const fresh = await startRegistry({ kind: 'none' });
      try {
        const third = await push(s, image, parseRef(`${fresh.host}/third/text:1`), { monolithicMax: 256 * 1024 });
        expect(third.layers[0]).toMatchObject({ how: 'streamed', digest: first.layers[0]?.digest });
        expect(sha256(readFileSync(entry))).toBe(first.layers[0]?.digest);
      } finally {
        await fresh.stop();
      }
      const dst = await freshStore();
      const pulled = await pull(dst, normalizeRef(`${other.host}/again/text:1`));
      expect(pulled.id).toBe(image.id);
    } finally {
      await other.stop();
    }
  });

  it('pulls what skopeo copy pushed (gzip layers compressed by skopeo)', async () => {
    // the store is an OCI image layout; skopeo reads it with the oci: transport
    skopeo(['copy', '--dest-tls-verify=false', `oci:${src.imageDir}:docker.io/tsbuild-test/busybox:1`, `docker://${reg.host}/skopeo/busybox:1`]);
    const raw = JSON.parse(skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/skopeo/busybox:1`])) as { layers: { mediaType: string; digest: string }[] };
    expect(raw.layers[0]?.mediaType).toMatch(/gzip/);
    const dst = await freshStore();
    const pulled = await pull(dst, normalizeRef(`${reg.host}/skopeo/busybox:1`));
    expect(pulled.id).toBe(busybox.id);
    const image = await dst.resolve(`${reg.host}/skopeo/busybox:1`);
    expect(image.manifest.layers[0]?.digest).toBe(image.config.rootfs.diff_ids[0]);
  });

  it('refuses a tampered blob with an error naming its digest, and stores nothing of it', async () => {
    const s = await freshStore();
    await importTar(s, randomTar(work, 'tamper', 200_000), 'tsbuild-test/tamper:1');
    const image = await s.resolve('tsbuild-test/tamper:1');
    const pushed = await push(s, image, parseRef(`${reg.host}/tsbuild/tamper:1`));
    const layerDigest = pushed.layers[0]!.digest;
    const file = reg.blobDataPath(layerDigest);
    const fd = openSync(file, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, 5000);
    b[0] = (b[0] as number) ^ 0xff;
    writeSync(fd, b, 0, 1, 5000);
    closeSync(fd);
    const dst = await freshStore();
    const err = await pull(dst, normalizeRef(`${reg.host}/tsbuild/tamper:1`)).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err?.code).toBe('DIGEST_MISMATCH');
    expect(err?.message).toContain(layerDigest);
    expect(await dst.hasBlob(image.manifest.layers[0]!.digest)).toBe(false);
    expect(await dst.hasBlob(layerDigest)).toBe(false);
    await expect(dst.resolve(`${reg.host}/tsbuild/tamper:1`)).rejects.toThrow(/no such image/);
    // a byte flipped inside a deflated layer breaks gunzip half-way: still reported as the digest mismatch
    const td = mkdtempSync(path.join(work, 'tamper2-'));
    writeFileSync(path.join(td, 'a.txt'), Array.from({ length: 20_000 }, (_, i) => `tamper line ${i}\n`).join(''));
    execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', td, '-cf', path.join(work, 'tamper2.tar'), '.']);
    await importTar(s, readFileSync(path.join(work, 'tamper2.tar')), 'tsbuild-test/tamper2:1');
    const bb = (await push(s, await s.resolve('tsbuild-test/tamper2:1'), parseRef(`${reg.host}/tsbuild/tamper2:1`))).layers[0]!.digest;
    const fd2 = openSync(reg.blobDataPath(bb), 'r+');
    writeSync(fd2, Buffer.from([0xff, 0xff, 0xff, 0xff]), 0, 4, 40);
    closeSync(fd2);
    const dst2 = await freshStore();
    const err2 = await pull(dst2, normalizeRef(`${reg.host}/tsbuild/tamper2:1`)).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err2).toMatchObject({ code: 'DIGEST_MISMATCH', message: expect.stringContaining(`${bb}: the registry sent`) });
    expect(readdirSync(path.join(dst2.root, 'image', 'blobs', 'sha256'))).toEqual([]);
  });

  it('ensureImage (run / FROM) takes the store copy, pulls when missing, re-pulls with policy always', async () => {
    const dst = await freshStore();
    const ref = `${reg.host}/tsbuild/busybox:1`;
    await expect(ensureImage(dst, ref, { env: {}, policy: 'never' })).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    const first = await ensureImage(dst, ref, { env: {} });
    expect(first.pulled?.layersDownloaded).toBe(1);
    expect(first.image.id).toBe(busybox.id);
    expect(first.image.tags).toContain(ref);
    const second = await ensureImage(dst, ref, { env: {} });
    expect(second.pulled).toBeUndefined();
    expect(second.image.manifestDigest).toBe(first.image.manifestDigest);
    const third = await ensureImage(dst, ref, { env: {}, policy: 'always' });
    expect(third.pulled).toMatchObject({ layersDownloaded: 0, layersPresent: 1 });
    const byDigest = await ensureImage(await freshStore(), `${reg.host}/tsbuild/busybox@${first.pulled!.repoDigest}`, { env: {} });
    expect(byDigest.image.id).toBe(busybox.id);
    await expect(ensureImage(dst, `${reg.host}/tsbuild/nope:1`, { env: {} })).rejects.toThrow(/is not in the store, and pulling .* failed/);
  });

  it('the CLI pushes and pulls (tsbuild push / pull)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: { write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => (err.push(s), true) } as unknown as NodeJS.WritableStream,
      env: { ...process.env, DOCKER_CONFIG: path.join(work, 'docker-cli') },
    };
    expect(await main(['--root', src.root, 'push', 'tsbuild-test/busybox:1', `${reg.host}/cli/busybox:2`], io)).toBe(0);
    expect(out.join('')).toMatch(/^sha256:[a-f0-9]{64}\n$/);
    const dstRoot = mkdtempSync(path.join(work, 'cli-store-'));
    out.length = 0;
    expect(await main(['--root', dstRoot, 'pull', '--platform', 'linux/amd64', `${reg.host}/cli/busybox:2`], io)).toBe(0);
    expect(out.join('')).toBe(`${busybox.id}\n`);
    expect(err.join('')).toMatch(/^[a-f0-9]{12}: downloading \(\d+\.\d MB\)$/m);
    expect(err.join('')).toMatch(/^[a-f0-9]{12}: done \(\d+\.\d MB\)$/m);
    out.length = 0;
    expect(await main(['--root', dstRoot, 'pull', '--platform', 'linux/arm64', `${reg.host}/cli/busybox:2`], io)).toBe(125);
    expect(err.join('')).toMatch(/is for linux\/amd64, not linux\/arm64/);
    expect(await main(['--root', dstRoot, 'pull', `${reg.host}/cli/missing:1`], io)).toBe(125);
    expect(err.join('')).toMatch(/MANIFEST_UNKNOWN|404/);
  });
});
