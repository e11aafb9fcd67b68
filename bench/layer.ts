// bench/layer.ts — commit a 500 MB / 10,000-file directory to a layer
// (streamed, sha256 computed while streaming, as the store writes it) beside
// `tar cf - DIR | sha256sum` on the same data in the same run.
//
//   npx tsx bench/layer.ts [--runs N] [--mb SIZE] [--files COUNT] [--keep] [--dir EXISTING_TREE]
//
// The baseline runs as `bash -c <fixed script> bash DIR` (the directory is $1,
// never interpolated): tar and sha256sum as two processes joined by a kernel pipe.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { layerDigest, writeLayer, writeLayerFile } from '../src/image/layer/write.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const RUNS = arg('runs', 5);
const TOTAL = arg('mb', 500) * 1_000_000;
const FILES = arg('files', 10_000);

/** 10,000 files in 100 dirs: 1% large files carry 60% of the bytes, the rest are small, sizes spread. */
async function makeTree(dir: string): Promise<number> {
  const pool = randomBytes(8 << 20);
  const large = Math.max(1, Math.floor(FILES / 100));
  const small = FILES - large;
  const largeSize = Math.floor((TOTAL * 0.6) / large);
  const smallBudget = TOTAL - largeSize * large;
  let written = 0;
  for (let i = 0; i < FILES; i++) {
    const sub = path.join(dir, `d${String(i % 100).padStart(2, '0')}`, `s${i % 7}`);
    if (i < 700) await mkdir(sub, { recursive: true });
    let size: number;
    if (i % 100 === 0 && Math.floor(i / 100) < large) size = largeSize;
    else size = Math.floor(((2 * smallBudget) / small) * ((i * 7919) % 1000) / 1000);
    const off = (i * 4099) % (pool.length - Math.min(size, pool.length));
    const data = size <= pool.length ? pool.subarray(off, off + size) : Buffer.concat([pool, pool.subarray(0, size - pool.length)]);
    await writeFile(path.join(sub, `file-${i}.bin`), data);
    written += size;
  }
  return written;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function ours(dir: string): Promise<{ ms: number; cpuMs: number; digest: string; bytes: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const d = await layerDigest(dir);
  const cpu = process.cpuUsage(cpu0); // all threads of this process (the xattr helper's few ms are not counted)
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, digest: d.diffId, bytes: d.size };
}

async function oursToFile(dir: string, file: string): Promise<number> {
  // as the store writes a blob: the tar to a temp file, hashed on the way (the writer's diffID)
  const t0 = performance.now();
  await writeLayerFile(dir, file);
  return performance.now() - t0;
}

async function oursStream(dir: string): Promise<number> {
  // the stream API (writeLayer into any Writable), here a discarding one
  const sink = new Writable({ write: (_c, _e, cb) => cb(), highWaterMark: 4 << 20 });
  const t0 = performance.now();
  await writeLayer(dir, sink);
  return performance.now() - t0;
}

// `times` prints the shell's and then its children's user and system CPU time
const SCRIPT = 'set -o pipefail; tar cf - -C "$1" . | sha256sum; times';
const secs = (s: string) => {
  const m = /^(\d+)m([\d.]+)s$/.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};
function tarSha(dir: string): Promise<{ ms: number; cpuMs: number; digest: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn('bash', ['-c', SCRIPT, 'bash', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`bash -c '${SCRIPT}' exited ${code}`));
      const lines = out.trim().split('\n');
      const [user, sys] = (lines.at(-1) ?? '').split(/\s+/);
      resolve({ ms, cpuMs: (secs(user ?? '') + secs(sys ?? '')) * 1000, digest: lines[0]?.split(' ')[0] ?? '' });
    });
  });
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(path.join(e.parentPath, e.name))).size;
  }
  return total;
}

const reuse = process.argv.indexOf('--dir');
const base = await mkdtemp(path.join(os.tmpdir(), 'bench-layer-'));
try {
  const dir = reuse >= 0 ? path.resolve(process.argv[reuse + 1]!) : path.join(base, 'tree');
  let bytes: number;
  if (reuse >= 0) bytes = await treeBytes(dir);
  else {
    await mkdir(dir);
    bytes = await makeTree(dir);
  }
  console.log(`tree: ${FILES} files, ${(bytes / 1e6).toFixed(0)} MB in ${dir}`);
  // warm the page cache for both
  await ours(dir);
  await tarSha(dir);
  const a: number[] = [];
  const b: number[] = [];
  const f: number[] = [];
  const w: number[] = [];
  const aCpu: number[] = [];
  const bCpu: number[] = [];
  let tarBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await ours(dir);
    a.push(r.ms);
    aCpu.push(r.cpuMs);
    tarBytes = r.bytes;
    const t = await tarSha(dir);
    b.push(t.ms);
    bCpu.push(t.cpuMs);
    f.push(await oursToFile(dir, path.join(base, 'blob.tar')));
    await rm(path.join(base, 'blob.tar'));
    w.push(await oursStream(dir));
  }
  const mbs = (ms: number) => bytes / 1e6 / (ms / 1000);
  const rows = [
    ['tsbuild layer → sha256 (diffID)', median(a), `cpu ${median(aCpu).toFixed(0)} ms`],
    ['tar cf - DIR | sha256sum', median(b), `cpu ${median(bCpu).toFixed(0)} ms`],
    ['tsbuild layer → file + sha256', median(f), ''],
    ['tsbuild writeLayer → Writable + sha256', median(w), ''],
  ] as const;
  console.log(`runs: ${RUNS} each (medians), layer tar ${(tarBytes / 1e6).toFixed(1)} MB, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`);
  for (const [name, ms, cpu] of rows) console.log(`${name.padEnd(40)} ${ms.toFixed(0).padStart(6)} ms  ${mbs(ms).toFixed(0).padStart(5)} MB/s  ${cpu}`);
  console.log(`ratio (tsbuild / tar|sha256sum throughput): ${(median(b) / median(a)).toFixed(2)}x wall (target >= 0.80x), ${(median(bCpu) / median(aCpu)).toFixed(2)}x by CPU time`);
} finally {
  if (!process.argv.includes('--keep')) await rm(base, { recursive: true, force: true });
}
