// Push and pull of a ~200 MB one-layer image through a local docker-registry:
// tsbuild (in-process push()/pull(): parallel gzip members chosen per block
// by sampled content, one streamed PATCH; verified streaming download
// decompressed straight into the store) beside `skopeo copy` (from and to an
// OCI layout), medians of RUNS runs in the same process, interleaved.
//   npx tsx bench/transfer.ts [SIZE_MB] [RUNS]
// Notes: the data is a quarter random bytes and three quarters base64 text,
// on which LZ77 finds nothing (tsbuild Huffman-codes those blocks, skopeo's
// pgzip stores nearly everything: compare the blob sizes printed). On pull,
// skopeo copy to oci: keeps the layers compressed; tsbuild also decompresses
// and stores the tar by its diffID (fsynced). A second push of the same layer
// to a fresh registry reuses tsbuild's gzip cache (printed separately).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, createReadStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { importRootfs } from '../src/image/import.js';
import { parseRef, normalizeRef } from '../src/image/refs.js';
import { pull } from '../src/image/registry/pull.js';
import { push } from '../src/image/registry/push.js';
import { ImageStore } from '../src/image/store.js';
import { startRegistry } from '../test/helpers/registry-server.js';

const sizeMb = Number(process.argv[2] ?? 200);
const runs = Number(process.argv[3] ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const work = mkdtempSync(path.join(tmpdir(), 'tsbuild-bench-transfer-'));
// a fresh registry (new port, empty storage) for every run: neither tool's
// caches (skopeo's blob-info cache, tsbuild's push state) can skip an upload
let reg = await startRegistry({ kind: 'none' });
try {
  // a quarter incompressible, three quarters text-like (base64 of random: ~75 % after gzip)
  const rootfs = path.join(work, 'rootfs');
  mkdirSync(path.join(rootfs, 'data'), { recursive: true });
  const total = sizeMb * 1024 * 1024;
  const files = 20;
  for (let i = 0; i < files; i++) {
    const n = Math.floor(total / files);
    const body = i % 4 === 0 ? randomBytes(n) : Buffer.from(randomBytes(Math.ceil((n * 3) / 4)).toString('base64')).subarray(0, n);
    writeFileSync(path.join(rootfs, 'data', `f${i}`), body);
  }
  const tar = path.join(work, 'rootfs.tar');
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '-cf', tar, '.']);
  rmSync(rootfs, { recursive: true });
  // the baseline parallel gzip should beat: one zlib stream, one core, same level
  const { createGzip } = await import('node:zlib');
  const { pipeline } = await import('node:stream/promises');
  const { Writable } = await import('node:stream');
  const { gzipLevel } = await import('../src/image/registry/gzip.js');
  const singleGzip = await time(() => pipeline(createReadStream(tar), createGzip({ level: gzipLevel }), new Writable({ write: (_c, _e, cb) => cb() })));
  const storeRoot = path.join(work, 'store');
  const store = await ImageStore.open(storeRoot);
  await importRootfs(store, createReadStream(tar), { tags: ['bench/big:1'], sourceName: tar, env: {} });
  const image = await store.resolve('bench/big:1');
  console.log(`image: ${image.id}, layer ${(image.manifest.layers[0]!.size / 1048576).toFixed(0)} MB uncompressed; a fresh docker-registry per run; ${runs} runs`);

  const t = { tsPush: [] as number[], skPush: [] as number[], tsPull: [] as number[], skPull: [] as number[], tsCached: [] as number[] };
  const sizes = { ts: 0, sk: 0 };
  for (let r = 0; r < runs; r++) {
    if (r > 0) {
      await reg.stop();
      reg = await startRegistry({ kind: 'none' });
    }
    rmSync(path.join(storeRoot, 'registry'), { recursive: true, force: true });
    let pushed: Awaited<ReturnType<typeof push>> | undefined;
    t.tsPush.push(await time(async () => (pushed = await push(store, image, parseRef(`${reg.host}/ts${r}/big:1`)))));
    sizes.ts = pushed?.layers[0]?.size ?? 0;
    t.skPush.push(await time(() => execFileSync('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${store.imageDir}:docker.io/bench/big:1`, `docker://${reg.host}/sk${r}/big:1`])));
    const skManifest = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/sk${r}/big:1`], { encoding: 'utf8' })) as { layers: { size: number }[] };
    sizes.sk = skManifest.layers[0]?.size ?? 0;
    const dst = await ImageStore.open(path.join(work, `pull-${r}`));
    t.tsPull.push(await time(() => pull(dst, normalizeRef(`${reg.host}/ts${r}/big:1`))));
    await dst.close();
    rmSync(path.join(work, `pull-${r}`), { recursive: true, force: true });
    const ociDir = path.join(work, `sk-pull-${r}`);
    t.skPull.push(await time(() => execFileSync('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${reg.host}/ts${r}/big:1`, `oci:${ociDir}:big`])));
    rmSync(ociDir, { recursive: true, force: true });
    // the same layer again to a fresh registry: the gzip cache is uploaded as it is
    const again = await startRegistry({ kind: 'none' });
    try {
      t.tsCached.push(await time(() => push(store, image, parseRef(`${again.host}/ts${r}/big:1`))));
    } finally {
      await again.stop();
    }
    console.log(`run ${r + 1}: push tsbuild ${t.tsPush[r]!.toFixed(2)} s, skopeo ${t.skPush[r]!.toFixed(2)} s; pull tsbuild ${t.tsPull[r]!.toFixed(2)} s, skopeo ${t.skPull[r]!.toFixed(2)} s; cached push ${t.tsCached[r]!.toFixed(2)} s; load ${loadavg()[0]!.toFixed(2)}`);
  }
  const mb = image.manifest.layers[0]!.size / 1048576;
  const row = (name: string, ts: number[], sk: number[]): string =>
    `${name}: tsbuild ${median(ts).toFixed(2)} s (${(mb / median(ts)).toFixed(0)} MB/s), skopeo copy ${median(sk).toFixed(2)} s (${(mb / median(sk)).toFixed(0)} MB/s), ratio tsbuild/skopeo ${(median(ts) / median(sk)).toFixed(2)}`;
  console.log(row('push (median)', t.tsPush, t.skPush));
  console.log(row('pull (median)', t.tsPull, t.skPull));
  console.log(`push of the same layer to a fresh registry from tsbuild's gzip cache (median): ${median(t.tsCached).toFixed(2)} s`);
  console.log(`pushed blob sizes: tsbuild ${(sizes.ts / 1048576).toFixed(1)} MB, skopeo ${(sizes.sk / 1048576).toFixed(1)} MB (of ${mb.toFixed(1)} MB uncompressed)`);
  console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(', ')}`);
  console.log(`single-stream zlib gzip (level ${gzipLevel}) of the same tar, no upload: ${singleGzip.toFixed(2)} s (${(mb / singleGzip).toFixed(0)} MB/s)`);
  await store.close();
} finally {
  await reg.stop();
  rmSync(work, { recursive: true, force: true });
}
