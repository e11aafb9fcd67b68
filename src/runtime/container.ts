// The life cycle of an attached container run: id → state dir → spec →
// root filesystem + /etc files → boxinit (through sys/exec) with stdio wired
// → signals forwarded → exit status passed through → everything cleaned up
// (in `finally`, so failures and Ctrl-C clean up too).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { isatty } from 'node:tty';
import type { Readable, Writable } from 'node:stream';
import { TsbuildError } from '../errors.js';
import { boxinitArgv, CONFIG_FD, encodeBoxinitConfig, parseBoxinitReport, REPORT_FD, type BoxinitRootfs } from './boxinit-protocol.js';
import { attachLimitsAndNetwork } from './cgroups/attach.js';
import { Cleanup } from './cleanup.js';
import { toBoxinitConfig } from './container-config.js';
import { hostnameFile, resolvConfFile } from './hosts.js';
import { makeContainerLayerDirs, overlayOptions, reuseContainerLayerDirs } from './overlay.js';
import { reclaimStale } from './reclaim.js';
import { readRootfsFile } from './rootfs-files.js';
import type { RunOptions } from './run-options.js';
import { loadSeccompProgram } from './seccomp-choice.js';
import { buildSpec, type ContainerSpec, type ImageRunConfig } from './spec.js';
import { containerDir, containersDir, nameOwner, processRef, readState, releaseName, reserveName, writeState, type ContainerState } from './state.js';
import { spawnAttached, type AttachedChild, type StdioSlot } from './sys/exec.js';
import { copyLayers } from './vfs.js';
import type { LifecycleHooks } from './lifecycle/hooks.js';
import { randomHex } from '../random-hex.js';
import { relayTerminal } from './terminal-relay.js';
import { keepExitStatus } from './lifecycle/exit-status.js';
import { proxySignals } from './proxy-signals.js';

/** what the root filesystem is made of */
export type RootfsSource =
  /** --rootfs DIR: the directory itself is the only (read-only) layer */
  | { kind: 'dir'; dir: string }
  /**
   * an image: its unpacked read-only layers, topmost first; for the vfs
   * driver, `materialize` applies the layers into a plain directory instead
   */
  | { kind: 'layers'; layersTopFirst: string[]; materialize?: (target: string) => Promise<void> };

export interface RunRequest {
  root: string;
  options: RunOptions;
  /** the image as the user named it (or the --rootfs dir), for messages and state */
  imageName: string;
  image: ImageRunConfig;
  source: RootfsSource;
  envFileEntries: string[];
  hostEnv: Record<string, string | undefined>;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; rows?: number; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** with -t: the caller's terminal, whose window size the pty gets (default: stdout; differs when stdout is teed into the log) */
  terminal?: NodeJS.WritableStream & { isTTY?: boolean; rows?: number; columns?: number };
  /** a detached run's monitor (src/runtime/lifecycle/monitor.ts) */
  lifecycle?: LifecycleHooks;
  /** called with the vfs driver's copy of the image once it exists (volumes are seeded from it) */
  afterMaterialize?: (rootfs: string) => Promise<void>;
}

export function newContainerId(): string {
  return randomHex(32);
}

function lowers(source: RootfsSource): string[] {
  return source.kind === 'dir' ? [source.dir] : source.layersTopFirst;
}

/** Runs the container attached to our stdio; resolves to its exit status. */
export async function runAttached(req: RunRequest): Promise<number> {
  const { root, options } = req;
  await reclaimStale(root).catch(() => undefined);

  const id = req.lifecycle?.id ?? newContainerId();
  const specFrom = async (layers: readonly string[]): Promise<{ spec: ContainerSpec; seccomp: Uint8Array | undefined }> => {
    const [passwd, group] = await Promise.all([readRootfsFile(layers, '/etc/passwd'), readRootfsFile(layers, '/etc/group')]);
    const spec = buildSpec({ id, imageName: req.imageName, image: req.image, options, envFileEntries: req.envFileEntries, hostEnv: req.hostEnv, passwd, group });
    const seccomp = await loadSeccompProgram(spec.seccomp, spec.capabilities.bounding, path.join(root, 'cache'));
    await checkBindSources(spec);
    return { spec, seccomp };
  };
  // the image's /etc/passwd is read from the layers, before anything is made;
  // a vfs copy of an image's layers is read once it exists
  const materialized = options.storageDriver === 'vfs' && req.source.kind === 'layers';
  let early = materialized ? undefined : await specFrom(lowers(req.source));

  const cleanup = new Cleanup();
  const dir = containerDir(root, id);
  let state: ContainerState | undefined;
  // start/restart: the container exists (dir, name, upper dir) and stays
  const previous = req.lifecycle?.previous;
  // a container that never started leaves nothing, with or without --rm
  let keep = previous !== undefined;
  try {
    // synchronous: see state.ts
    mkdirSync(containersDir(root), { recursive: true, mode: 0o700 });
    if (!previous) mkdirSync(dir, { mode: 0o700 });
    // (a --rm container that `restart` stops stays for the restart)
    const removing = () => (options.rm && !req.lifecycle?.restarting?.()) || !keep;
    cleanup.defer(`remove ${dir}`, async () => {
      if (!removing()) return;
      if (req.lifecycle?.detached && state?.exitStatus !== undefined) keepExitStatus(dir, state.exitStatus);
      rmSync(dir, { recursive: true, force: true });
    });
    if (options.name !== undefined) {
      const name = options.name;
      if (!previous) await claimName(root, name, id);
      cleanup.defer(`release name ${name}`, async () => {
        if (removing()) await releaseName(root, name);
      });
    }

    const merged = path.join(dir, 'merged');
    state = {
      version: 1,
      id,
      ...(options.name !== undefined ? { name: options.name } : {}),
      status: 'created',
      createdAt: previous?.state.createdAt ?? new Date().toISOString(),
      owner: await processRef(process.pid),
      rm: options.rm,
      image: req.imageName,
      paths: { dir, merged },
    };
    await writeState(dir, state);

    const rootfs = await prepareRootfs(req.source, options, dir, state, previous !== undefined);
    if (materialized && state.paths.rootfs) await req.afterMaterialize?.(state.paths.rootfs);
    early ??= await specFrom([state.paths.rootfs as string]);
    const { spec, seccomp } = early;
    const files = {
      hostname: path.join(dir, 'hostname'),
      hosts: path.join(dir, 'hosts'),
      resolvConf: path.join(dir, 'resolv.conf'),
    };
    let hostResolv: string | undefined;
    try {
      hostResolv = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      hostResolv = undefined;
    }
    writeFileSync(files.hostname, hostnameFile(spec.hostname), { mode: 0o644 });
    // files.hosts: written by attachLimitsAndNetwork, with the container's address
    writeFileSync(files.resolvConf, resolvConfFile(hostResolv), { mode: 0o644 });
    const term = req.terminal ?? req.stdout;
    const tty = spec.tty ? { rows: term.rows || 24, cols: term.columns || 80 } : undefined;
    const config = toBoxinitConfig(spec, { rootfs, ...files }, seccomp, tty);
    // ── limits: cgroup + network (src/runtime/cgroups/attach.ts) ──
    const attached = await attachLimitsAndNetwork({ id, dir, resources: options.resources, network: options.network, privileged: spec.privileged, hostname: spec.hostname, name: options.name, image: req.image, config, hostsPath: files.hosts, cleanup, owner: state.owner, stderr: req.stderr });
    await req.lifecycle?.attached({ spec, config, network: attached.network, cgroup: attached.cgroup });
    let saving: Promise<void> = Promise.resolve();
    const save = (patch: Partial<ContainerState>): Promise<void> => {
      state = { ...(state as ContainerState), ...patch };
      const snapshot = state;
      saving = saving.then(() => writeState(dir, snapshot)).catch(() => undefined);
      return saving;
    };
    const status = await runBoxinit(req, spec, config, cleanup, {
      started: async (child) => {
        keep = true;
        await save({ status: 'running', process: await processRef(child.pid).catch(() => ({ pid: child.pid, startTime: '' })) });
      },
      pid1: (pid) => void save({ pid1: pid }),
      execd: () => void saving.then(() => req.lifecycle?.running(state?.pid1 ?? 0)),
    });
    await saving;
    state = { ...state, status: 'exited', exitStatus: status, ...((await attached.cgroup.oomKilled()) ? { oomKilled: true } : {}) }; // limits: OOMKilled
    if (!options.rm) await writeState(dir, state);
    return status;
  } finally {
    if (keep && state && state.status !== 'exited' && !options.rm) await writeState(dir, { ...state, status: 'exited' }).catch(() => undefined);
    await cleanup.dispose();
    if (keep) req.lifecycle?.exited?.();
  }
}

async function checkBindSources(spec: ContainerSpec): Promise<void> {
  for (const m of spec.mounts) {
    if (m.type !== 'bind') continue;
    if (existsSync(m.source)) continue;
    // Docker creates a missing -v host directory; --mount insists it exists
    if (m.flag.startsWith('-v ')) await mkdir(m.source, { recursive: true, mode: 0o755 });
    else throw new TsbuildError('usage', 'BIND_SOURCE_MISSING', `${m.flag}: bind source path does not exist: ${m.source}`);
  }
}

async function claimName(root: string, name: string, id: string): Promise<void> {
  if (!(await reserveName(root, name, id))) {
    const other = await nameOwner(root, name);
    const otherState = other ? await readState(containerDir(root, other)) : undefined;
    if (otherState) {
      throw new TsbuildError('usage', 'NAME_IN_USE', `the container name "${name}" is already in use by container ${other?.slice(0, 12)}`);
    }
    // the owner is gone (a crash between reserving and writing state): take the name over
    await releaseName(root, name);
    if (!(await reserveName(root, name, id))) throw new TsbuildError('usage', 'NAME_IN_USE', `the container name "${name}" is already in use`);
  }
}

async function prepareRootfs(source: RootfsSource, options: RunOptions, dir: string, state: ContainerState, again: boolean): Promise<BoxinitRootfs> {
  const merged = path.join(dir, 'merged');
  if (options.storageDriver === 'vfs') {
    mkdirSync(merged, { mode: 0o755, recursive: again });
    if (source.kind === 'dir') {
      state.paths.rootfs = source.dir;
      return { kind: 'dir', target: merged, path: source.dir };
    }
    const copy = path.join(dir, 'rootfs');
    if (again && existsSync(copy)) {
      state.paths.rootfs = copy;
      return { kind: 'dir', target: merged, path: copy };
    }
    if (source.materialize) await source.materialize(copy);
    else await copyLayers([...source.layersTopFirst].reverse(), copy);
    state.paths.rootfs = copy;
    return { kind: 'dir', target: merged, path: copy };
  }
  const dirs = again ? await reuseContainerLayerDirs(dir) : await makeContainerLayerDirs(dir);
  state.paths.upper = dirs.upper;
  state.paths.work = dirs.work;
  // relative to the store root: the container's mount table shows no host paths
  const baseDir = path.dirname(path.dirname(dir));
  return { kind: 'overlay', target: dirs.merged, baseDir, options: overlayOptions({ lowers: lowers(source), upper: dirs.upper, work: dirs.work, baseDir }) };
}

/**
 * Our own fds are handed on as they are, except a terminal without -t: the
 * host's terminal never reaches the container (TIOCSTI, job control), so it
 * is relayed through a pipe. With -t boxinit relays between them and the pty.
 */
function stdioSlot(stream: NodeJS.ReadableStream | NodeJS.WritableStream, fd: number, tty: boolean): StdioSlot {
  const std = [process.stdin, process.stdout, process.stderr][fd];
  if (stream !== std) return 'pipe';
  return tty || !isatty(fd) ? 'inherit' : 'pipe';
}

const SIGNAL_NUMBERS = osConstants.signals as Record<string, number>;

/** Spawns boxinit, feeds the config, forwards signals, waits; returns the exit status. */
async function runBoxinit(
  req: RunRequest,
  spec: ContainerSpec,
  config: ReturnType<typeof toBoxinitConfig>,
  cleanup: Cleanup,
  events: { started(child: AttachedChild): Promise<void>; pid1(pid: number): void; execd?(): void },
): Promise<number> {
  const [program, ...args] = boxinitArgv(config);
  const encoded = encodeBoxinitConfig(config);
  const extra: StdioSlot[] = [];
  extra[CONFIG_FD - 3] = 'pipe';
  extra[REPORT_FD - 3] = 'pipe';
  const child = await spawnAttached(program as string, args, {
    stdin: spec.interactive ? stdioSlot(req.stdin, 0, spec.tty) : 'ignore',
    stdout: stdioSlot(req.stdout, 1, spec.tty),
    stderr: stdioSlot(req.stderr, 2, spec.tty),
    extra,
  });
  // from here on the container exists: make sure it dies with us
  cleanup.defer('stop the container', async () => {
    if (child.kill('SIGKILL')) await child.exited;
  });
  const configPipe = child.extra.get(CONFIG_FD) as NonNullable<ReturnType<typeof child.extra.get>>;
  const reportPipe = child.extra.get(REPORT_FD) as NonNullable<ReturnType<typeof child.extra.get>>;
  configPipe.on('error', () => undefined);
  configPipe.write(encoded);
  if (!spec.tty) configPipe.end();
  else {
    cleanup.defer('restore the terminal', relayTerminal(configPipe, req.terminal ?? req.stdout, req.stdin, spec.interactive));
    void child.exited.then(() => configPipe.destroy());
  }
  wireStreams(req, child, spec.interactive);

  // signals to tsbuild go to the spawned boxinit, which forwards them to PID 1
  let reportText = '';
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (sig === 'SIGINT' && ++interrupts >= 3) {
      req.stderr.write('tsbuild: third interrupt: killing the container\n');
      child.kill('SIGKILL');
      return;
    }
    child.kill(sig);
  };
  cleanup.defer('restore signal handlers', proxySignals(onSignal));

  const reportDone = new Promise<void>((resolve) => {
    reportPipe.setEncoding('utf8');
    reportPipe.on('data', (chunk: string) => {
      const first = !reportText.includes('\n');
      reportText += chunk;
      if (first && reportText.includes('\n')) {
        const r = parseBoxinitReport(reportText);
        if (r.pid !== undefined) events.pid1(r.pid);
      }
    });
    reportPipe.on('end', resolve);
    reportPipe.on('close', resolve);
    reportPipe.on('error', () => resolve());
  });
  await events.started(child);
  // the report's EOF without a failure: the command was exec'd
  void reportDone.then(() => (parseBoxinitReport(reportText).failure ? undefined : events.execd?.()));
  const [exit] = await Promise.all([child.exited, reportDone]);

  const report = parseBoxinitReport(reportText);
  if (report.failure) {
    if (report.failure.stage === 'exec') {
      const name = spec.argv[0] as string;
      const why = report.failure.errno === 2 || report.failure.errno === 20 ? 'not found' : (report.error?.message.replace(/^exec: [^:]*: /, '') ?? 'cannot execute');
      const msg = report.failure.message.startsWith('exec:') ? report.failure.message : `exec: ${name}: ${why}`;
      req.stderr.write(`tsbuild: ${msg}\n`);
      return report.exitStatus ?? 126;
    }
    throw report.error ?? new TsbuildError('runtime', 'BOXINIT_FAILED', 'container setup failed');
  }
  if (report.pid === undefined) {
    const how = exit.signal ? `killed by ${exit.signal}` : `exit ${exit.exitCode}`;
    throw new TsbuildError('runtime', 'CONTAINER_START_FAILED', `the container did not start: ${[program, ...args].join(' ')}: ${how}`);
  }
  if (exit.signal) return 128 + (SIGNAL_NUMBERS[exit.signal] ?? 0);
  return exit.exitCode ?? 125;
}

/** pipes our streams in and out when they are not the process's own fds */
function wireStreams(req: RunRequest, child: AttachedChild, interactive: boolean): void {
  if (child.stdout) (child.stdout as Readable).on('data', (b: Buffer) => req.stdout.write(b));
  if (child.stderr) (child.stderr as Readable).on('data', (b: Buffer) => req.stderr.write(b));
  if (interactive && child.stdin) {
    const stdin = child.stdin as Writable;
    stdin.on('error', () => undefined);
    req.stdin.pipe(stdin);
    void child.exited.then(() => {
      req.stdin.unpipe(stdin);
      // our own stdin must not keep tsbuild alive once the container is gone
      if (req.stdin === process.stdin) process.stdin.pause();
    });
  }
}
