// Container start-up, side by side: `tsbuild run --rm IMAGE /bin/true` as
// users start it (bin/tsbuild, the package's bin; also with --rootfs DIR)
// beside `podman run --rm` (vfs and overlay storage, runc), `runc run` of an
// OCI bundle of the same rootfs, and `unshare -fpmuin --mount-proc chroot
// ROOTFS /bin/true` as the floor. Runs are interleaved round-robin so that
// load from other work on the machine hits every contender alike. Prints
// medians and ratios, and the load average before and after (the machine may
// be shared). When the environment sets NODE_EXTRA_CA_CERTS, node parses
// that CA file at start-up, before any script runs; bin/tsbuild defers it
// (src/net/extra-ca.ts), and `node dist/tsbuild.js`, which does not, is timed
// too. BENCH_BASELINE=OTHER/dist/tsbuild.js adds another build of tsbuild
// (say, an older commit's, started with node as it was then) as two more
// contenders (IMAGE and --rootfs).
//
//   npm run build && npx tsx bench/start.ts        (as root; BENCH_N=15 runs each)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBusyboxRootfs } from '../test/helpers/busybox-rootfs.js';
import { has } from './has.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.env.BENCH_N ?? 15);
const CGROUP_PARENT = 'tsbuild-bench';

function sh(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status ?? r.signal}: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

interface Contender {
  name: string;
  argv: string[];
  env?: NodeJS.ProcessEnv;
  times: number[];
}

function timeOnce(c: Contender): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c.argv[0] as string, c.argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: c.env ?? process.env });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name}: ${c.argv.join(' ')}: exit ${r.status ?? r.signal}: ${r.stderr?.toString()}`);
  return ms;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (i - lo);
}

if (process.getuid?.() !== 0) {
  console.error('bench/start.ts needs root');
  process.exit(2);
}
const dist = path.join(repo, 'dist', 'tsbuild.js');
const bin = path.join(repo, 'bin', 'tsbuild');
if (!existsSync(dist)) {
  console.error('dist/tsbuild.js is missing: run `npm run build` first');
  process.exit(2);
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();
const extraCa = process.env.NODE_EXTRA_CA_CERTS !== undefined;
const envNoCa = (): NodeJS.ProcessEnv => {
  const e = { ...process.env };
  delete e.NODE_EXTRA_CA_CERTS;
  return e;
};
const tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-bench-start-'));
const bb = makeBusyboxRootfs({ tar: true });
const rootfs = bb.dir;
const tar = bb.tar as string;
const contenders: Contender[] = [];
const podmanRoots: { args: string[]; env: NodeJS.ProcessEnv }[] = [];
try {
  // tsbuild: the image imported into a private store
  const tsRoot = path.join(tmp, 'tsbuild');
  sh(process.execPath, [dist, '--root', tsRoot, 'import', tar, 'bench-bb:1']);
  // cli: the command (bin/tsbuild) or [node, a dist/tsbuild.js]
  const runImage = (cli: string[], root: string) => [...cli, '--root', root, 'run', '--rm', '--network', 'none', 'bench-bb:1', '/bin/true'];
  const runRootfs = (cli: string[], root: string) => [...cli, '--root', root, 'run', '--rm', '--network', 'none', '--rootfs', rootfs, '/bin/true'];
  contenders.push({ name: 'tsbuild run --rm IMAGE', argv: runImage([bin], tsRoot), times: [] });
  contenders.push({ name: 'tsbuild run --rm --rootfs', argv: runRootfs([bin], tsRoot), times: [] });
  const baseline = process.env.BENCH_BASELINE;
  if (baseline) {
    const baseRoot = path.join(tmp, 'tsbuild-baseline');
    sh(process.execPath, [baseline, '--root', baseRoot, 'import', tar, 'bench-bb:1']);
    contenders.push({ name: 'baseline: tsbuild run --rm IMAGE', argv: runImage([process.execPath, baseline], baseRoot), times: [] });
    contenders.push({ name: 'baseline: tsbuild run --rm --rootfs', argv: runRootfs([process.execPath, baseline], baseRoot), times: [] });
  }
  if (extraCa) {
    contenders.push({ name: 'node dist/tsbuild.js run --rm IMAGE (CA file loaded)', argv: runImage([process.execPath, dist], tsRoot), times: [] });
    contenders.push({ name: 'tsbuild run --rm IMAGE, no NODE_EXTRA_CA_CERTS', argv: runImage([bin], tsRoot), env: envNoCa(), times: [] });
  }

  // podman with runc, vfs and overlay, each in its own root
  if (has('podman')) {
    const conf = path.join(tmp, 'containers.conf');
    // without CAP_SYS_RESOURCE runc cannot raise rlimits: modest ones, below ours
    const ulimits = ['"nofile=1024:1024"', '"nproc=4096:4096"'];
    writeFileSync(
      conf,
      [
        '[containers]',
        `default_ulimits = [${ulimits.join(', ')}]`,
        '[engine]',
        'cgroup_manager = "cgroupfs"',
        'events_logger = "file"',
        'runtime = "runc"',
        '',
      ].join('\n'),
    );
    const env = { ...process.env, CONTAINERS_CONF: conf, BUILDAH_RUNTIME: 'runc' };
    for (const driver of ['overlay', 'vfs']) {
      const base = path.join(tmp, `podman-${driver}`);
      const args = ['--root', path.join(base, 'root'), '--runroot', path.join(base, 'run'), '--storage-driver', driver, '--tmpdir', path.join(base, 'tmp')];
      podmanRoots.push({ args, env });
      sh('podman', [...args, 'import', '--quiet', tar, 'bench-bb:1'], env);
      contenders.push({
        name: `podman run --rm (${driver})`,
        argv: ['podman', ...args, 'run', '--rm', '--network', 'none', '--cgroup-parent', `/${CGROUP_PARENT}`, 'bench-bb:1', '/bin/true'],
        env,
        times: [],
      });
    }
  } else console.warn('SKIP podman: not installed');

  // runc run of an OCI bundle of the same rootfs
  if (has('runc')) {
    const bundle = path.join(tmp, 'bundle');
    mkdirSync(bundle);
    cpSync(rootfs, path.join(bundle, 'rootfs'), { recursive: true, verbatimSymlinks: true });
    sh('runc', ['spec', '--bundle', bundle]);
    const specFile = path.join(bundle, 'config.json');
    const spec = JSON.parse(readFileSync(specFile, 'utf8'));
    spec.process.terminal = false;
    spec.process.args = ['/bin/true'];
    spec.linux.cgroupsPath = `/${CGROUP_PARENT}/runc`;
    writeFileSync(specFile, JSON.stringify(spec));
    const state = path.join(tmp, 'runc-state');
    let n = 0;
    const c: Contender = { name: 'runc run (OCI bundle)', argv: [], times: [] };
    Object.defineProperty(c, 'argv', { get: () => ['runc', '--root', state, 'run', '--bundle', bundle, `tsbuild-bench-${process.pid}-${n++}`] });
    contenders.push(c);
  } else console.warn('SKIP runc: not installed');

  contenders.push({ name: 'floor: unshare + chroot', argv: ['unshare', '-fpmuin', '--mount-proc', 'chroot', rootfs, '/bin/true'], times: [] });

  for (const c of contenders) timeOnce(c); // warm-up: page cache, first-run set-up
  for (let i = 0; i < N; i++) for (const c of contenders) c.times.push(timeOnce(c));

  const med = new Map(contenders.map((c) => [c.name, quantile(c.times, 0.5)]));
  const podmanOverlay = med.get('podman run --rm (overlay)');
  const floor = med.get('floor: unshare + chroot') as number;
  const width = Math.max(...contenders.map((c) => c.name.length)) + 2;
  console.log(`\ncontainer start, ${N} runs each, interleaved (ms)`);
  console.log(`${'contender'.padEnd(width)}${'median'.padStart(9)}${'p25'.padStart(9)}${'p75'.padStart(9)}${'÷ podman-overlay'.padStart(18)}${'÷ floor'.padStart(9)}`);
  for (const c of contenders) {
    const m = med.get(c.name) as number;
    console.log(
      `${c.name.padEnd(width)}${m.toFixed(1).padStart(9)}${quantile(c.times, 0.25).toFixed(1).padStart(9)}${quantile(c.times, 0.75).toFixed(1).padStart(9)}` +
        `${(podmanOverlay ? (m / podmanOverlay).toFixed(2) : '-').padStart(18)}${(m / floor).toFixed(2).padStart(9)}`,
    );
  }
  const ts = med.get('tsbuild run --rm IMAGE') as number;
  const bare = (env?: NodeJS.ProcessEnv) =>
    quantile(Array.from({ length: Math.min(N, 9) }, () => timeOnce({ name: 'node -e 0', argv: [process.execPath, '-e', '0'], ...(env ? { env } : {}), times: [] })), 0.5);
  console.log(`\nbare 'node -e 0': ${bare().toFixed(1)} ms (tsbuild's own floor)${extraCa ? `; without NODE_EXTRA_CA_CERTS: ${bare(envNoCa()).toFixed(1)} ms` : ''}`);
  console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${load()}`);
  if (podmanOverlay) {
    const target = podmanOverlay / 2;
    console.log(`target: tsbuild ≤ ½ podman (overlay) = ${target.toFixed(1)} ms → ${ts <= target ? 'met' : 'NOT met'} (tsbuild ${ts.toFixed(1)} ms)`);
  }
} finally {
  for (const p of podmanRoots) spawnSync('podman', [...p.args, 'system', 'reset', '--force'], { env: p.env, stdio: 'ignore' });
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    const dir = path.join('/sys/fs/cgroup', ctrl, CGROUP_PARENT);
    if (!existsSync(dir)) continue;
    // leaves first: podman's and runc's per-container cgroups are gone after --rm / exit
    spawnSync('find', [dir, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'], { stdio: 'ignore' });
  }
  rmSync(tmp, { recursive: true, force: true });
  bb.cleanup();
}
