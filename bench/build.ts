// tsbuild vs `podman build` vs `buildah bud` (from apt) on the same six-step
// Boxfile: a cold build (base image present, no cache), a fully cached
// rebuild, and a rebuild after one source file changed. Medians of N runs
// and ratios. Run as root: npx tsx bench/build.ts [N]   (needs `npm run build`)
// Each tool gets its own temp storage; nothing global is touched.
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function run(argv: string[], opts: ExecFileSyncOptions = {}): void {
  execFileSync(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
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
  '[containers]\ndefault_ulimits = ["nofile=20000:20000"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\nruntime = "runc"\n',
);
const podEnv = { ...process.env, CONTAINERS_CONF: containersConf, BUILDAH_RUNTIME: 'runc', BUILDAH_ISOLATION: 'oci' };

const tsRoot = path.join(tmp, 'tsbuild-store');
const tools: Tool[] = [
  {
    name: 'tsbuild',
    setup: () => run(['node', path.join(repo, 'dist', 'tsbuild.js'), '--root', tsRoot, 'import', rootfsTar, 'busybox:latest']),
    build: (noCache) => run(['node', path.join(repo, 'dist', 'tsbuild.js'), '--root', tsRoot, 'build', '-q', ...(noCache ? ['--no-cache'] : []), '-t', 'bench', '-f', path.join(ctx, 'Boxfile'), ctx], { env: { ...process.env, CI: '1' } }),
  },
];
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

try {
  // buildah reads the base from a docker archive written by tsbuild save
  if (tools.some((t) => t.name === 'buildah bud')) {
    tools[0]!.setup();
    run(['node', path.join(repo, 'dist', 'tsbuild.js'), '--root', tsRoot, 'save', '-o', path.join(tmp, 'busybox-docker.tar'), 'busybox:latest']);
    for (const t of tools.slice(1)) t.setup();
  } else for (const t of tools) t.setup();

  const rows: { tool: string; cold: number; cached: number; changed: number }[] = [];
  for (const t of tools) {
    const cold: number[] = [];
    const cached: number[] = [];
    const changed: number[] = [];
    t.build(false); // warm up: page cache, first-use costs
    for (let i = 0; i < N; i++) {
      cold.push(time(() => t.build(true)));
      t.build(false);
      cached.push(time(() => t.build(false)));
      touchSource();
      changed.push(time(() => t.build(false)));
    }
    rows.push({ tool: t.name, cold: median(cold), cached: median(cached), changed: median(changed) });
  }
  const ts = rows[0]!;
  console.log(`six-step Boxfile, ${N} runs each, medians in ms (ratio = tool / tsbuild)\n`);
  console.log(['tool'.padEnd(14), 'cold'.padStart(9), 'cached'.padStart(9), 'changed'.padStart(9), '  ratios cold/cached/changed'].join(''));
  for (const r of rows) {
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    console.log(
      [r.tool.padEnd(14), r.cold.toFixed(0).padStart(9), r.cached.toFixed(0).padStart(9), r.changed.toFixed(0).padStart(9), `  ${ratio(r.cold, ts.cold)} / ${ratio(r.cached, ts.cached)} / ${ratio(r.changed, ts.changed)}`].join(''),
    );
  }
} finally {
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
