// Import throughput: `tsbuild import` of a tar (hash + fsynced blob write +
// config/manifest/tag) against `sha256sum` of the same file, same run.
// Usage: npx tsx bench/image-import.ts [MB=256]
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { importRootfs } from '../src/image/import.js';
import { ImageStore } from '../src/image/store.js';

const mb = Number(process.argv[2] ?? 256);
const base = mkdtempSync(path.join(tmpdir(), 'tsbuild-bench-import-'));
try {
  const dir = path.join(base, 'rootfs');
  mkdirSync(dir);
  const files = Math.max(1, Math.floor(mb / 4));
  for (let i = 0; i < files; i++) writeFileSync(path.join(dir, `f${i}`), randomBytes(4 << 20));
  const tar = path.join(base, 'rootfs.tar');
  execFileSync('tar', ['-C', dir, '-cf', tar, '.']);
  rmSync(dir, { recursive: true });
  const bytes = files * 4 * 1024 * 1024;
  execFileSync('sha256sum', [tar]); // warm the page cache

  const time = async (fn: () => Promise<unknown> | unknown) => {
    const t = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  const rate = (s: number) => `${(bytes / 1e6 / s).toFixed(0)} MB/s`;
  const shaS = await time(() => execFileSync('sha256sum', [tar]));
  const results: number[] = [];
  for (let i = 0; i < 3; i++) {
    const store = await ImageStore.open(path.join(base, `store${i}`));
    results.push(await time(() => importRootfs(store, createReadStream(tar), { sourceName: tar, tags: ['bench:1'], env: {} })));
    await store.close();
    rmSync(path.join(base, `store${i}`), { recursive: true, force: true });
  }
  const best = Math.min(...results);
  console.log(`data: ${(bytes / 1e6).toFixed(0)} MB tar`);
  console.log(`sha256sum FILE:   ${shaS.toFixed(2)} s  ${rate(shaS)}`);
  console.log(`tsbuild import:   ${best.toFixed(2)} s  ${rate(best)}  (best of 3; ratio ${(shaS / best).toFixed(2)}x)`);
} finally {
  rmSync(base, { recursive: true, force: true });
}
