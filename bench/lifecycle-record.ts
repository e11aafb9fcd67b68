// What the life-cycle record of an attached container costs on `run --rm`'s
// start-up path: this checkout's bundle beside another (BASE_DIST, e.g. a
// build of the commit before the record was written for attached runs), the
// same `run --rm --network none --rootfs DIR /bin/true`, interleaved
// round-robin so that load from other work hits both alike. Prints medians,
// quartiles and the ratio.
//
//   npm run build && BASE_DIST=/path/to/other/dist/tsbuild.js npx tsx bench/lifecycle-record.ts   (root; BENCH_N=30)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBusyboxRootfs } from '../test/helpers/busybox-rootfs.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_N ?? 30);
const here = path.join(repo, 'dist', 'tsbuild.js');
const base = process.env.BASE_DIST;
if (process.getuid?.() !== 0 || !base || !existsSync(base) || !existsSync(here)) {
  console.error('usage (as root): npm run build && BASE_DIST=OTHER/dist/tsbuild.js npx tsx bench/lifecycle-record.ts');
  process.exit(2);
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  return (s[Math.floor(i)] as number) + ((s[Math.ceil(i)] as number) - (s[Math.floor(i)] as number)) * (i - Math.floor(i));
};

const rootfs = makeBusyboxRootfs();
const tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-bench-record-'));
try {
  const contenders = [
    { name: 'this checkout', dist: here, times: [] as number[] },
    { name: 'BASE_DIST', dist: base, times: [] as number[] },
  ].map((c, i) => ({ ...c, argv: [process.execPath, c.dist, '--root', path.join(tmp, `root${i}`), 'run', '--rm', '--network', 'none', '--rootfs', rootfs.dir, '/bin/true'] }));
  for (const c of contenders) spawnSync(c.argv[0] as string, c.argv.slice(1)); // warm-up
  for (let i = 0; i < N; i++) {
    for (const c of contenders) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(c.argv[0] as string, c.argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
      if (r.status !== 0) throw new Error(`${c.name}: exit ${r.status}: ${r.stderr.toString()}`);
      c.times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  console.log(`run --rm --network none --rootfs busybox /bin/true, N=${N} each, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const c of contenders) console.log(`${c.name.padEnd(14)} median ${quantile(c.times, 0.5).toFixed(1)} ms  (q1 ${quantile(c.times, 0.25).toFixed(1)}, q3 ${quantile(c.times, 0.75).toFixed(1)})`);
  const [a, b] = contenders;
  console.log(`ratio this/base: ${(quantile(a!.times, 0.5) / quantile(b!.times, 0.5)).toFixed(3)}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
  rootfs.cleanup();
}
