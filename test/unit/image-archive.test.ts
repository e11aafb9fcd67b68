// import determinism, save/load round trips and loading foreign archive
// shapes (legacy docker save, podman-style OCI archives with gzip layers).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { c as createTar } from 'tar';
import { loadArchive } from '../../src/image/archive-load.js';
import { selectImages, writeArchive } from '../../src/image/archive-save.js';
import { checkStore } from '../../src/image/check.js';
import { sha256 } from '../../src/image/digest.js';
import { importRootfs } from '../../src/image/import.js';
import { ImageStore } from '../../src/image/store.js';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

let base: string;
const stores: ImageStore[] = [];
async function newStore(name: string): Promise<ImageStore> {
  const s = await ImageStore.open(path.join(base, name));
  stores.push(s);
  return s;
}

let rootfsTar: string;
beforeEach(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'tsbuild-archive-'));
  const dir = path.join(base, 'rootfs');
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  mkdirSync(path.join(dir, 'etc'));
  writeFileSync(path.join(dir, 'bin', 'hello'), '#!/bin/sh\necho hello\n', { mode: 0o755 });
  writeFileSync(path.join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  rootfsTar = path.join(base, 'rootfs.tar');
  await createTar({ cwd: dir, file: rootfsTar, portable: true, mtime: new Date(0) }, ['.']);
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  rmSync(base, { recursive: true, force: true });
});

const importFile = (store: ImageStore, file: string, tags: string[] = [], changes: string[] = []) =>
  importRootfs(store, createReadStream(file), { tags, changes, env: {}, sourceName: file });

async function saveTo(store: ImageStore, refs: string[], file: string): Promise<void> {
  const out = createWriteStream(file);
  await writeArchive(store, await selectImages(store, refs), out);
  out.end();
  await once(out, 'finish');
}

describe('import', () => {
  it('the same tarball gives the same image ID, in any store, plain or gzip', async () => {
    const a = await importFile(await newStore('a'), rootfsTar, ['x:1'], ['CMD ["/bin/hello"]']);
    const b = await importFile(await newStore('b'), rootfsTar, ['y:2'], ['CMD ["/bin/hello"]']);
    const gz = path.join(base, 'rootfs.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(rootfsTar)));
    const c = await importFile(await newStore('c'), gz, [], ['CMD ["/bin/hello"]']);
    expect(b.id).toBe(a.id);
    expect(c.id).toBe(a.id);
    expect(c.manifestDigest).toBe(a.manifestDigest);
    // the layer is the uncompressed tar, its digest the diffID
    expect(a.manifest.layers[0]?.digest).toBe(sha256(readFileSync(rootfsTar)));
    const other = await importFile(await newStore('d'), rootfsTar, [], ['CMD ["/bin/sh"]']);
    expect(other.id).not.toBe(a.id);
  });

  it('refuses input that is not a tar', async () => {
    const f = path.join(base, 'notatar');
    writeFileSync(f, 'just some text\n'.repeat(100));
    await expect(importFile(await newStore('a'), f, ['bad:1'])).rejects.toThrow(/is not a tar archive/);
    expect(await (await newStore('a')).list()).toEqual([]);
  });
});

describe('save and load', () => {
  it('round-trips: same ID, same manifest digest, tags kept, archive bytes reproducible', async () => {
    const a = await newStore('a');
    const img = await importFile(a, rootfsTar, ['acc-busybox:1', 'localhost:5000/team/app:v1'], ['ENV X=1']);
    const f1 = path.join(base, 'one.tar');
    const f2 = path.join(base, 'two.tar');
    await saveTo(a, ['acc-busybox:1', 'localhost:5000/team/app:v1'], f1);
    await saveTo(a, ['acc-busybox:1', 'localhost:5000/team/app:v1'], f2);
    expect(sha256(readFileSync(f1))).toBe(sha256(readFileSync(f2)));

    const listing = execFileSync('tar', ['tf', f1], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listing).toEqual(
      ['blobs/', 'blobs/sha256/', 'index.json', 'manifest.json', 'oci-layout', ...[img.id, img.manifestDigest, img.manifest.layers[0]!.digest].map((d) => `blobs/sha256/${d.slice(7)}`)].sort(),
    );
    const index = JSON.parse(execFileSync('tar', ['xOf', f1, 'index.json'], { encoding: 'utf8' }));
    expect(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations)).toEqual([
      { 'io.containerd.image.name': 'docker.io/library/acc-busybox:1', 'org.opencontainers.image.ref.name': '1' },
      { 'io.containerd.image.name': 'localhost:5000/team/app:v1', 'org.opencontainers.image.ref.name': 'v1' },
    ]);
    const dm = JSON.parse(execFileSync('tar', ['xOf', f1, 'manifest.json'], { encoding: 'utf8' }));
    expect(dm).toEqual([{ Config: `blobs/sha256/${img.id.slice(7)}`, RepoTags: ['acc-busybox:1', 'localhost:5000/team/app:v1'], Layers: [`blobs/sha256/${img.manifest.layers[0]!.digest.slice(7)}`] }]);

    const b = await newStore('b');
    const gz = path.join(base, 'one.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(f1)));
    const loaded = await loadArchive(b, createReadStream(gz), gz);
    expect(loaded).toEqual([{ id: img.id, manifestDigest: img.manifestDigest, tags: ['docker.io/library/acc-busybox:1', 'localhost:5000/team/app:v1'] }]);
    const r = await b.resolve('acc-busybox:1');
    expect(r.configBytes.equals(await a.readBlob(img.id))).toBe(true);
    expect((await checkStore(b)).problems).toEqual([]);
  });

  it('loads a legacy docker save archive with a gzip layer (names from RepoTags)', async () => {
    const layer = readFileSync(rootfsTar);
    const diffId = sha256(layer);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/hello'] }, rootfs: { type: 'layers', diff_ids: [diffId] } }, null, 1));
    const id = sha256(config);
    const dir = path.join(base, 'legacy');
    mkdirSync(path.join(dir, 'abc123'), { recursive: true });
    writeFileSync(path.join(dir, `${id.slice(7)}.json`), config);
    writeFileSync(path.join(dir, 'abc123', 'layer.tar'), gzipSync(layer));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: `${id.slice(7)}.json`, RepoTags: ['legacy:old'], Layers: ['abc123/layer.tar'] }]));
    const file = path.join(base, 'legacy.tar');
    await createTar({ cwd: dir, file, portable: true }, ['.']);
    const s = await newStore('s');
    const [got] = await loadArchive(s, createReadStream(file), file);
    expect(got?.id).toBe(id);
    expect(got?.tags).toEqual(['docker.io/library/legacy:old']);
    const r = await s.resolve('legacy:old');
    expect(r.configBytes.equals(config)).toBe(true);
    expect(r.manifest.layers[0]).toEqual({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: layer.length });
  });

  it('loads a podman-style OCI archive (gzip layer, full name in ref.name) and refuses a layer that is not its diff_id', async () => {
    const layer = readFileSync(rootfsTar);
    const gz = gzipSync(layer);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(gz), size: gz.length }] }));
    const dir = path.join(base, 'oci');
    mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true });
    for (const b of [gz, config, manifest]) writeFileSync(path.join(dir, 'blobs/sha256', sha256(b).slice(7)), b);
    writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'localhost/podimg:3' } }] }));
    const file = path.join(base, 'oci.tar');
    await createTar({ cwd: dir, file, portable: true }, ['.']);
    const s = await newStore('s');
    const [got] = await loadArchive(s, createReadStream(file), file);
    expect(got?.id).toBe(sha256(config));
    expect(got?.tags).toEqual(['localhost/podimg:3']);
    expect(got?.manifestDigest).not.toBe(sha256(manifest)); // rewritten for the uncompressed layer
    expect((await checkStore(s)).problems).toEqual([]);

    // a config whose diff_id is not the layer's content
    const bad = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256('other')] } }));
    const badDir = path.join(base, 'bad');
    mkdirSync(badDir);
    writeFileSync(path.join(badDir, 'c.json'), bad);
    writeFileSync(path.join(badDir, 'l.tar'), layer);
    writeFileSync(path.join(badDir, 'manifest.json'), JSON.stringify([{ Config: 'c.json', RepoTags: ['bad:1'], Layers: ['l.tar'] }]));
    const badFile = path.join(base, 'bad.tar');
    await createTar({ cwd: badDir, file: badFile, portable: true }, ['.']);
    await expect(loadArchive(s, createReadStream(badFile), badFile)).rejects.toThrow(/does not match diff_id/);
    await expect(s.resolve('bad:1')).rejects.toThrow(/no such image/);
  });

  it('loads zstd-compressed layers (through the zstd CLI)', async (ctx) => {
    try {
      execFileSync('zstd', ['--version'], { stdio: 'ignore' });
    } catch {
      ctx.skip('needs the zstd CLI');
    }
    const layer = readFileSync(rootfsTar);
    const zst = execFileSync('zstd', ['-q', '-c', rootfsTar]);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
    const dir = path.join(base, 'zst');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'c.json'), config);
    writeFileSync(path.join(dir, 'l.tar.zst'), zst);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: 'c.json', RepoTags: ['zst:1'], Layers: ['l.tar.zst'] }]));
    const file = path.join(base, 'zst.tar');
    await createTar({ cwd: dir, file, portable: true }, ['.']);
    const s = await newStore('s');
    const [got] = await loadArchive(s, createReadStream(file), file);
    expect(got?.id).toBe(sha256(config));
    expect((await s.resolve('zst:1')).manifest.layers[0]?.digest).toBe(sha256(layer));

    // a truncated zstd stream is an error that names the layer and the tool
    writeFileSync(path.join(dir, 'l.tar.zst'), zst.subarray(0, Math.floor(zst.length / 2)));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: 'c.json', RepoTags: ['zst:broken'], Layers: ['l.tar.zst'] }]));
    const broken = path.join(base, 'zst-broken.tar');
    await createTar({ cwd: dir, file: broken, portable: true }, ['.']);
    await expect(loadArchive(s, createReadStream(broken), broken)).rejects.toThrow(/cannot decompress .*layer 0 .*: zstd -d -c -q exited 1/);
    await expect(s.resolve('zst:broken')).rejects.toThrow(/no such image/);
  });

  it('follows layer.tar symlinks of old docker save archives, but not out of the archive', async () => {
    const layer = readFileSync(rootfsTar);
    const mk = (cmd: string) => Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: [cmd] }, rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
    const [c1, c2] = [mk('a'), mk('b')];
    const dir = path.join(base, 'shared');
    mkdirSync(path.join(dir, 'l1'), { recursive: true });
    mkdirSync(path.join(dir, 'l2'));
    writeFileSync(path.join(dir, 'l1', 'layer.tar'), layer);
    symlinkSync('../l1/layer.tar', path.join(dir, 'l2', 'layer.tar'));
    writeFileSync(path.join(dir, 'c1.json'), c1);
    writeFileSync(path.join(dir, 'c2.json'), c2);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([
      { Config: 'c1.json', RepoTags: ['one:1'], Layers: ['l1/layer.tar'] },
      { Config: 'c2.json', RepoTags: ['two:1'], Layers: ['l2/layer.tar'] },
    ]));
    const file = path.join(base, 'shared.tar');
    await createTar({ cwd: dir, file, portable: true }, ['.']);
    const s = await newStore('s');
    const got = await loadArchive(s, createReadStream(file), file);
    expect(got.map((g) => [g.id, g.tags])).toEqual([[sha256(c1), ['docker.io/library/one:1']], [sha256(c2), ['docker.io/library/two:1']]]);

    symlinkSync('../../../../../../../../etc/passwd', path.join(dir, 'l2', 'evil.tar'));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: 'c2.json', RepoTags: ['evil:1'], Layers: ['l2/evil.tar'] }]));
    const evil = path.join(base, 'evil-link.tar');
    await createTar({ cwd: dir, file: evil, portable: true }, ['.']);
    // node-tar drops the escaping link, or our realpath check refuses it
    await expect(loadArchive(s, createReadStream(evil), evil)).rejects.toThrow(/l2\/evil\.tar (links outside|is missing from) the archive/);
    await expect(s.resolve('evil:1')).rejects.toThrow(/no such image/);
  });

  it('refuses archive paths that leave the archive', async () => {
    const dir = path.join(base, 'evil');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: '../../../etc/passwd', RepoTags: ['evil:1'], Layers: [] }]));
    const file = path.join(base, 'evil.tar');
    await createTar({ cwd: dir, file, portable: true }, ['.']);
    await expect(loadArchive(await newStore('s'), createReadStream(file), file)).rejects.toThrow(/points outside the archive/);
  });
});
