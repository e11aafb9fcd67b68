// tsbuild (bin/tsbuild, as users run it; once with RUN on its default bridge
// network, once with --network none like Docker here) vs `podman build` vs
// `buildah bud` (from apt) vs Docker 20.10 with BuildKit (Debian's docker.io,
// unpacked into the bench's cache dir and run as a private daemon with no
// bridge, so its RUN steps use --network none: see bench/docker-daemon.ts) on
// the same six-step Boxfile:
// a cold build (base image present, no cache), a fully cached rebuild, and a
// rebuild after one source file changed. The tools take turns in every round
// (interleaved, so load changes hit all alike); medians of N rounds and
// ratios. Run as root: npx tsx bench/build.ts [N]   (needs `npm run build`)
// Each tool gets its own temp storage; nothing global is touched. A tool
// that is missing is skipped with the reason printed; TSBUILD_BENCH_DOCKER=0
// leaves Docker out.
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDockerDaemon, type DockerDaemon } from './docker-daemon.js';
import { has } from './has.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.argv[2] ?? 5);
const tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-bench-build-'));
const ctx = path.join(tmp, 'ctx');

const boxfile = `FROM busybox
ENV APP=/app
WORKDIR /app
COPY src/ ./src/
RUN cat src/*.txt > all.txt
COPY main.sh ./
CMD ["sh", "main.sh"]
`;

function run(argv: string[], opts: ExecFileSyncOptions = {}): void {
  try {
    execFileSync(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`${argv.join(' ')} failed: ${err.stderr?.toString().trim().split('\n').slice(-8).join('\n') ?? err.message}`);
  }
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

interface Tool {
  name: string;
  setup(): void;
  build(noCache: boolean): void;
}

let change = 0;
function touchSource(): void {
  writeFileSync(path.join(ctx, 'main.sh'), `echo run ${++change}\n`);
}

mkdirSync(path.join(ctx, 'src'), { recursive: true });
for (let i = 0; i < 20; i++) writeFileSync(path.join(ctx, 'src', `f${i}.txt`), `file ${i}\n`.repeat(100));
writeFileSync(path.join(ctx, 'Boxfile'), boxfile);
touchSource();
const rootfsTar = path.join(tmp, 'rootfs.tar');
run(['bash', path.join(repo, 'fixtures', 'busybox-rootfs.sh'), path.join(tmp, 'rootfs'), rootfsTar]);

const containersConf = path.join(tmp, 'containers.conf');
writeFileSync(
  containersConf,
  '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n',
);
const podEnv = { ...process.env, CONTAINERS_CONF: containersConf, BUILDAH_RUNTIME: 'runc', BUILDAH_ISOLATION: 'oci' };

// tsbuild as users run it (bin/tsbuild), with RUN on its default bridge network,
// and with --network none as Docker runs here (its private daemon has no bridge)
const tsbuildTool = (name: string, store: string, extra: string[]): Tool => ({
  name,
  setup: () => run([path.join(repo, 'bin', 'tsbuild'), '--root', store, 'import', rootfsTar, 'busybox:latest']),
  build: (noCache) => run([path.join(repo, 'bin', 'tsbuild'), '--root', store, 'build', '-q', ...extra, ...(noCache ? ['--no-cache'] : []), '-t', 'bench', '-f', path.join(ctx, 'Boxfile'), ctx], { env: { ...process.env, CI: '1' } }),
});
const tsRoot = path.join(tmp, 'tsbuild-store');
const tools: Tool[] = [tsbuildTool('tsbuild', tsRoot, []), tsbuildTool('tsbuild, no net', path.join(tmp, 'tsbuild-store-nonet'), ['--network', 'none'])];
const storage = (name: string) => ['--root', path.join(tmp, name, 'root'), '--runroot', path.join(tmp, name, 'run'), '--storage-driver', 'overlay'];
if (has('podman')) {
  tools.push({
    name: 'podman build',
    setup: () => run(['podman', ...storage('podman'), 'import', rootfsTar, 'localhost/busybox:latest'], { env: podEnv }),
    build: (noCache) => run(['podman', ...storage('podman'), 'build', '-q', ...(noCache ? ['--no-cache'] : []), '--layers', '-t', 'bench', '-f', path.join(ctx, 'Boxfile'), ctx], { env: podEnv }),
  });
}
if (has('buildah')) {
  tools.push({
    name: 'buildah bud',
    setup: () => run(['buildah', ...storage('buildah'), 'pull', `docker-archive:${path.join(tmp, 'busybox-docker.tar')}`], { env: podEnv }),
    build: (noCache) => run(['buildah', ...storage('buildah'), 'bud', '-q', ...(noCache ? ['--no-cache'] : []), '--layers', '-t', 'bench', '-f', path.join(ctx, 'Boxfile'), ctx], { env: podEnv }),
  });
}

let docker: DockerDaemon | undefined;
const skipped: string[] = [];
// dockerd runs in its own session: Ctrl-C must not end this process before it is
// stopped (by pid). The tool that was running dies of the signal, its run() throws,
// and the finally below cleans up; the handler only keeps the default (die now) away.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

let cleaned = false;
function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  docker?.stop();
  for (const name of ['podman', 'buildah']) {
    try {
      execFileSync(name === 'podman' ? 'podman' : 'buildah', [...storage(name), name === 'podman' ? 'system' : 'rm', ...(name === 'podman' ? ['reset', '-f'] : ['--all'])], { stdio: 'ignore', env: podEnv });
    } catch {
      /* not installed or nothing to reset */
    }
  }
  try {
    execFileSync('sh', ['-c', 'grep -o " $1[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l', 'sh', tmp], { stdio: 'ignore' });
  } catch {
    /* nothing mounted */
  }
  rmSync(tmp, { recursive: true, force: true });
}
try {
  // buildah and docker read the base from a docker archive written by tsbuild save
  const archive = path.join(tmp, 'busybox-docker.tar');
  tools[0]!.setup();
  run(['node', path.join(repo, 'dist', 'tsbuild.js'), '--root', tsRoot, 'save', '-o', archive, 'busybox:latest']);
  if (!has('podman')) skipped.push('podman build: podman not on PATH');
  if (!has('buildah')) skipped.push('buildah bud: buildah not on PATH');
  if (process.env.TSBUILD_BENCH_DOCKER === '0') skipped.push('docker build: TSBUILD_BENCH_DOCKER=0');
  else {
    const dockerDir = path.join(tmp, 'docker');
    mkdirSync(dockerDir);
    const d = startDockerDaemon(dockerDir, (l) => console.error(l));
    if ('skip' in d) skipped.push(`docker build: ${d.skip}`);
    else {
      docker = d;
      tools.push({
        name: `docker ${d.version.split('+')[0]}`,
        setup: () => run([...d.cli, 'load', '-q', '-i', archive], { env: d.env }),
        build: (noCache) => run([...d.cli, 'build', '-q', '--network', 'none', ...(noCache ? ['--no-cache'] : []), '-t', 'bench', '-f', path.join(ctx, 'Boxfile'), ctx], { env: d.env }),
      });
    }
  }
  for (const t of tools.slice(1)) t.setup();

  const samples = new Map(tools.map((t) => [t.name, { cold: [] as number[], cached: [] as number[], changed: [] as number[] }]));
  for (const t of tools) t.build(false); // warm up: page cache, first-use costs
  for (let i = 0; i < N; i++) {
    for (const t of tools) {
      const s = samples.get(t.name)!;
      s.cold.push(time(() => t.build(true)));
      t.build(false);
      s.cached.push(time(() => t.build(false)));
      touchSource();
      s.changed.push(time(() => t.build(false)));
    }
  }
  const rows = tools.map((t) => {
    const s = samples.get(t.name)!;
    return { tool: t.name, cold: median(s.cold), cached: median(s.cached), changed: median(s.changed) };
  });
  const ts = rows[0]!;
  console.log(`six-step Boxfile, ${N} interleaved rounds, medians in ms (ratio = tool / tsbuild); load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  console.log(['tool'.padEnd(16), 'cold'.padStart(9), 'cached'.padStart(9), 'changed'.padStart(9), '  ratios cold/cached/changed'].join(''));
  for (const r of rows) {
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    console.log(
      [r.tool.padEnd(16), r.cold.toFixed(0).padStart(9), r.cached.toFixed(0).padStart(9), r.changed.toFixed(0).padStart(9), `  ${ratio(r.cold, ts.cold)} / ${ratio(r.cached, ts.cached)} / ${ratio(r.changed, ts.changed)}`].join(''),
    );
  }
  for (const why of skipped) console.log(`skipped ${why}`);
} finally {
  cleanup();
}
