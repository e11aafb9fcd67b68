// RUN: the command in a container made from the runtime's parts — an
// overlay of the parent layers plus a fresh upper dir, new pid/mount/uts/
// ipc/net/cgroup namespaces, Docker's default capabilities and seccomp
// profile, set up by boxinit. Network: by default the bridge (a netns from
// the runtime's network module with eth0, an address, a default route and
// outbound NAT; released after the step), `none` only lo, `host` the host's.
// The stage's env (ARGs included), user and workdir; --mount
// cache/bind/tmpfs/secret.
// Output streams line by line to the progress events. On success the upper
// dir is left for snapshot.ts to commit; mount-point stubs boxinit had to
// create are removed first so they do not end up in the layer.
//
// Adapter note: the runtime's runAttached() is made for `tsbuild run` (it
// owns the container dir and removes the upper dir), so this builds the
// BoxinitConfig itself from the runtime's exported pieces.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, cp, lstat, mkdir, readdir, readFile, rmdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { TsbuildError } from '../../errors.js';
import { boxinitArgv, CONFIG_FD, DEFAULT_NAMESPACES, DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS, encodeBoxinitConfig, parseBoxinitReport, REPORT_FD, type BoxinitConfig, type BoxinitMount } from '../../runtime/boxinit-protocol.js';
import { resolveCapabilities } from '../../runtime/capabilities.js';
import { Cleanup } from '../../runtime/cleanup.js';
import { hostnameFile, hostsFile, resolvConfFile } from '../../runtime/hosts.js';
import { setUpNetwork } from '../../runtime/network/container-network.js';
import { overlayOptions } from '../../runtime/overlay.js';
import { readRootfsFile } from '../../runtime/rootfs-files.js';
import { loadSeccompProgram } from '../../runtime/seccomp-choice.js';
import { processRef } from '../../runtime/state.js';
import { spawnAttached } from '../../runtime/sys/exec.js';
import { resolveUser } from '../../runtime/user.js';
import { withFileLock } from '../../image/lock.js';
import { LineSplitter } from '../events.js';
import { normalizeContextPath, resolveInContext, type ContextSnapshot } from '../context-paths.js';
import type { PlannedMount, PlannedStep, RunOp, SourceRef } from '../plan-types.js';
import { lookupInLayers, mergedView } from '../rootfs.js';

export interface RunRequest {
  /** the store root (cache mounts live under it) */
  root: string;
  op: RunOp;
  step: PlannedStep;
  /** the stage's layers, topmost first */
  parentDirs: string[];
  context: ContextSnapshot;
  /** layer dirs (topmost first) of a stage or image, for bind/cache mounts with from= */
  sourceDirs(ref: SourceRef): Promise<string[]>;
  secrets: ReadonlyMap<string, Buffer>;
  /** a fresh temp folder on the store's file system; removed by the caller */
  workDir: string;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

const TAIL = 20;

function runError(step: PlannedStep, message: string, details: string[] = [], cause?: unknown): TsbuildError {
  return new TsbuildError('build', 'RUN_FAILED', `${step.range.file}:${step.range.start.line}: ${step.label}: ${message}`, { ranges: [step.range], details, cause });
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

/** Builds the boxinit mounts for the RUN's --mount flags; returns the env additions (secret env=). */
async function prepareMounts(req: RunRequest, cleanup: Cleanup): Promise<{ mounts: BoxinitMount[]; env: string[]; stubs: string[] }> {
  const mounts: BoxinitMount[] = [];
  const env: string[] = [];
  const stubs: string[] = [];
  let n = 0;
  const bind = (source: string, destination: string, readonly: boolean) => {
    mounts.push({ type: 'bind', source, destination, options: ['rbind', ...(readonly ? ['ro'] : [])] });
    stubs.push(destination);
  };
  for (const m of req.op.mounts as PlannedMount[]) {
    const scratch = path.join(req.workDir, `mount-${n++}`);
    switch (m.type) {
      case 'bind': {
        let dir: string;
        if (m.from.kind === 'context') {
          const rel = resolveInContext(new Map(req.context.entries.map((e) => [e.path, e])), normalizeContextPath(m.source));
          dir = path.join(req.context.root, rel);
        } else {
          const view = await mergedView(await req.sourceDirs(m.from), scratch);
          cleanup.defer('unmount a bind source', view.release);
          dir = path.join(view.dir, normalizeContextPath(m.source));
        }
        if (!m.readonly) {
          // writes to a rw bind mount are thrown away: bind a copy, never the source
          const copy = `${scratch}-rw`;
          await cp(dir, copy, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
          dir = copy;
        }
        bind(dir, m.target, m.readonly);
        break;
      }
      case 'cache': {
        const id = createHash('sha256').update(m.id).digest('hex').slice(0, 32);
        let dir = path.join(req.root, 'cache', 'mounts', id);
        if (!(await exists(dir))) {
          await mkdir(path.dirname(dir), { recursive: true });
          await mkdir(dir, { recursive: true });
          await chmod(dir, m.mode);
          await chown(dir, m.uid, m.gid);
          if (m.from) {
            const view = await mergedView(await req.sourceDirs(m.from), scratch);
            try {
              await cp(path.join(view.dir, normalizeContextPath(m.source ?? '')), dir, { recursive: true, verbatimSymlinks: true });
            } finally {
              await view.release();
            }
          }
        }
        if (m.sharing === 'private') {
          // a private cache is this build's own copy
          const copy = `${scratch}-private`;
          await cp(dir, copy, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
          dir = copy;
        }
        bind(dir, m.target, m.readonly);
        break;
      }
      case 'tmpfs':
        mounts.push({ type: 'tmpfs', source: 'tmpfs', destination: m.target, options: ['nosuid', 'nodev', ...(m.size !== undefined ? [`size=${m.size}`] : [])] });
        stubs.push(m.target);
        break;
      case 'secret': {
        const value = req.secrets.get(m.id);
        if (value === undefined) {
          if (m.required) throw runError(req.step, `secret '${m.id}' is required but was not given (--secret id=${m.id},src=FILE)`);
          break;
        }
        if (m.env !== undefined) env.push(`${m.env}=${value.toString('utf8')}`);
        if (m.target !== undefined) {
          await mkdir(scratch, { mode: 0o700 });
          const file = path.join(scratch, 'secret');
          await writeFile(file, value, { mode: m.mode });
          await chmod(file, m.mode);
          await chown(file, m.uid, m.gid);
          bind(file, m.target, true);
        }
        break;
      }
    }
  }
  if (req.op.scriptFile) {
    const dir = path.join(req.workDir, 'pipes');
    await mkdir(dir, { mode: 0o755 });
    const file = path.join(dir, path.posix.basename(req.op.scriptFile.path));
    await writeFile(file, req.op.scriptFile.content, { mode: 0o755 });
    bind(file, req.op.scriptFile.path, true);
  }
  return { mounts, env, stubs };
}

/** removes what boxinit created only to mount over (empty dirs/files absent below) */
async function removeStubs(upper: string, parentDirs: string[], paths: string[]): Promise<void> {
  const seen = new Set<string>();
  for (const p of paths) {
    let cur = path.posix.normalize(p);
    while (cur !== '/' && !seen.has(cur)) {
      seen.add(cur);
      const host = path.join(upper, cur);
      const st = await lstat(host).catch(() => undefined);
      if (!st || (await lookupInLayers(parentDirs, cur))) break;
      if (st.isDirectory()) {
        if ((await readdir(host)).length > 0) break;
        await rmdir(host);
      } else if (st.isFile() && st.size === 0) await unlink(host);
      else break;
      cur = path.posix.dirname(cur);
    }
  }
}

/** Runs the step; resolves to the upper dir holding its changes. */
export async function runStep(req: RunRequest): Promise<string> {
  const { op, step } = req;
  const cleanup = new Cleanup();
  try {
    const upper = path.join(req.workDir, 'upper');
    const work = path.join(req.workDir, 'work');
    const merged = path.join(req.workDir, 'merged');
    const empty = path.join(req.workDir, 'empty');
    for (const d of [upper, work, merged, empty]) await mkdir(d, { mode: 0o755 });
    const lowers = req.parentDirs.length > 0 ? req.parentDirs : [empty];

    const [passwd, group] = await Promise.all([readRootfsFile(req.parentDirs, '/etc/passwd'), readRootfsFile(req.parentDirs, '/etc/group')]);
    let user;
    try {
      user = resolveUser(op.user, passwd, group);
    } catch (err) {
      throw runError(step, (err as Error).message, [], err);
    }
    const caps = resolveCapabilities({ uid: user.uid });
    const seccomp = await loadSeccompProgram({ kind: 'default' }, caps.bounding);
    const { mounts, env: secretEnv, stubs } = await prepareMounts(req, cleanup);

    // default: the bridge, as `tsbuild run`; released (veth, netns, address) when the step ends
    let netnsPath: string | undefined;
    const hosts = [{ ip: '127.0.0.1', names: ['buildkitsandbox'] }];
    if (op.network === 'default') {
      const network = await setUpNetwork({
        id: randomBytes(32).toString('hex'),
        options: { mode: 'bridge', publish: [], publishAll: false },
        exposed: [],
        hostname: 'buildkitsandbox',
        owner: await processRef(process.pid),
      });
      cleanup.defer('release the build network', () => network.release());
      netnsPath = network.netnsPath;
      hosts.push(...network.hosts);
    }

    const files = { hostname: path.join(req.workDir, 'hostname'), hosts: path.join(req.workDir, 'hosts'), resolvConf: path.join(req.workDir, 'resolv.conf') };
    const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => undefined);
    await writeFile(files.hostname, hostnameFile('buildkitsandbox'));
    await writeFile(files.hosts, hostsFile(hosts));
    await writeFile(files.resolvConf, resolvConfFile(hostResolv));

    const env = [...op.env, ...secretEnv];
    if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home || '/'}`);
    const config: BoxinitConfig = {
      rootfs: { kind: 'overlay', target: merged, options: overlayOptions({ lowers, upper, work }) },
      mounts,
      maskedPaths: [...DOCKER_MASKED_PATHS],
      readonlyPaths: [...DOCKER_READONLY_PATHS],
      sysfsReadonly: true,
      hostname: 'buildkitsandbox',
      files,
      readonlyRoot: false,
      cwd: op.workdir,
      argv: op.argv,
      env,
      uid: user.uid,
      gid: user.gid,
      additionalGids: user.additionalGids,
      capabilities: caps,
      noNewPrivileges: false,
      ...(seccomp ? { seccomp } : {}),
      init: false,
      cgroupProcs: [],
      namespaces: op.network === 'host' ? DEFAULT_NAMESPACES.filter((n) => n !== 'net') : DEFAULT_NAMESPACES,
      ...(netnsPath !== undefined ? { netnsPath } : {}),
    };

    const tail: string[] = [];
    const sink = (stream: 'stdout' | 'stderr') =>
      new LineSplitter((line) => {
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
        req.onLine(stream, line);
      });
    const [program, ...args] = boxinitArgv(config);
    const extra: ('pipe' | 'ignore')[] = [];
    extra[CONFIG_FD - 3] = 'pipe';
    extra[REPORT_FD - 3] = 'pipe';
    const child = await spawnAttached(program as string, args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', extra });
    cleanup.defer('stop the build container', async () => {
      if (child.kill('SIGKILL')) await child.exited;
    });
    const outs = { stdout: sink('stdout'), stderr: sink('stderr') };
    (child.stdout as Readable).on('data', (b: Buffer) => outs.stdout.push(b));
    (child.stderr as Readable).on('data', (b: Buffer) => outs.stderr.push(b));
    const configPipe = child.extra.get(CONFIG_FD)!;
    configPipe.on('error', () => undefined);
    configPipe.end(encodeBoxinitConfig(config));
    const reportPipe = child.extra.get(REPORT_FD)!;
    let reportText = '';
    const reportDone = new Promise<void>((resolve) => {
      reportPipe.setEncoding('utf8');
      reportPipe.on('data', (c: string) => (reportText += c));
      reportPipe.on('end', resolve);
      reportPipe.on('close', resolve);
      reportPipe.on('error', () => resolve());
    });
    const streamsDone = Promise.all([new Promise((r) => (child.stdout as Readable).on('close', r)), new Promise((r) => (child.stderr as Readable).on('close', r))]);
    const [exit] = await Promise.all([child.exited, reportDone, streamsDone]);
    outs.stdout.flush();
    outs.stderr.flush();

    const report = parseBoxinitReport(reportText);
    if (report.failure) {
      if (report.failure.stage === 'exec') throw runError(step, `${report.failure.message} (exit ${report.exitStatus ?? 127})`, tail);
      throw runError(step, report.error?.message ?? 'container setup failed', tail, report.error);
    }
    if (exit.signal) throw runError(step, `killed by ${exit.signal}`, tail);
    if (exit.exitCode !== 0) throw runError(step, `exit ${exit.exitCode ?? 'unknown'}`, tail);

    await removeStubs(upper, req.parentDirs, [...stubs, '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/proc', '/sys', '/dev']);
    return upper;
  } finally {
    await cleanup.dispose();
  }
}

/** serialises builds that share a `sharing=locked` cache mount */
export async function withLockedCaches<T>(root: string, op: RunOp, fn: () => Promise<T>): Promise<T> {
  const locked = op.mounts.filter((m): m is Extract<PlannedMount, { type: 'cache' }> => m.type === 'cache' && m.sharing === 'locked');
  let run = fn;
  for (const m of locked) {
    const inner = run;
    const name = `cache-mount-${createHash('sha256').update(m.id).digest('hex').slice(0, 32)}`;
    run = () => withFileLock(path.join(root, 'locks'), name, inner, { timeoutMs: 30 * 60_000 });
  }
  return run();
}

