// Runs native/build/boxinit for real (as root), without the rest of the
// runtime: spawns the argv from boxinitArgv() with node:child_process, writes
// the encoded config on fd 3 and collects the report from fd 4.
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable, Readable } from 'node:stream';
import {
  boxinitArgv,
  DEFAULT_NAMESPACES,
  DOCKER_MASKED_PATHS,
  DOCKER_READONLY_PATHS,
  encodeBoxinitConfig,
  encodeWindowSize,
  parseBoxinitReport,
  type BoxinitConfig,
  type BoxinitReport,
} from '../../src/runtime/boxinit-protocol.js';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { boxinitPath as locateBoxinit } from '../../src/runtime/boxinit-protocol.js';
import { resolveCapabilities } from '../../src/runtime/capabilities.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from './busybox-rootfs.js';
import { missing, type Requirement } from './requires.js';
import { compileSeccomp, DOCKER_DEFAULT_PROFILE } from '../../src/runtime/seccomp/index.js';

export interface OverlayRoot {
  base: string;
  target: string;
  rootfs: BoxinitConfig['rootfs'];
  cleanup(): void;
}

/** A fresh overlay (busybox dir as the lower, new upper/work) with paths relative to its base dir. */
export function overlayRoot(lower: string): OverlayRoot {
  const base = mkdtempSync(path.join(tmpdir(), 'tsbuild-boxinit-'));
  for (const d of ['upper', 'work', 'merged']) mkdirSync(path.join(base, d));
  const rel = path.relative(base, lower);
  return {
    base,
    target: path.join(base, 'merged'),
    rootfs: {
      kind: 'overlay',
      target: path.join(base, 'merged'),
      baseDir: base,
      options: `lowerdir=${rel},upperdir=upper,workdir=work,redirect_dir=off,metacopy=off`,
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

export function baseConfig(rootfs: BoxinitConfig['rootfs'], argv: string[], over: Partial<BoxinitConfig> = {}): BoxinitConfig {
  const uid = over.uid ?? 0;
  const capabilities = over.capabilities ?? resolveCapabilities({ uid });
  return {
    rootfs,
    mounts: [],
    maskedPaths: [...DOCKER_MASKED_PATHS],
    readonlyPaths: [...DOCKER_READONLY_PATHS],
    sysfsReadonly: true,
    hostname: 'boxtest',
    files: {},
    readonlyRoot: false,
    cwd: '/',
    argv,
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
    uid,
    gid: 0,
    additionalGids: [],
    capabilities,
    noNewPrivileges: false,
    seccomp: compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities: capabilities.bounding }).program,
    init: false,
    cgroupProcs: [],
    namespaces: DEFAULT_NAMESPACES,
    ...over,
  };
}

export interface BoxinitResult {
  /** exit status as `run` reports it: code, or 128+n when killed by signal n */
  status: number;
  stdout: string;
  stderr: string;
  report: BoxinitReport;
  reportText: string;
  elapsedMs: number;
}

export interface RunOptions {
  stdin?: string;
  /** called once the host pid of PID 1 is known */
  onPid?: (pid: number) => void;
  /** window sizes written after the config (tty mode) once stdout contains resizeWhen */
  resize?: [number, number][];
  resizeWhen?: string;
  timeoutMs?: number;
  /** host fds handed in as fd 5, 6, … (to check that nothing leaks into the container) */
  extraFds?: number[];
  /** called with the spawned process (to send it signals) */
  onSpawn?: (child: ChildProcess) => void;
}

const signalNumbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSYS: 31 };

export function runBoxinit(config: BoxinitConfig, o: RunOptions = {}): Promise<BoxinitResult> {
  const argv = boxinitArgv(config);
  const started = Date.now();
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', ...(o.extraFds ?? [])] });
  o.onSpawn?.(child);
  const cfgPipe = child.stdio[3] as Writable;
  const reportPipe = child.stdio[4] as Readable;
  cfgPipe.on('error', () => {});
  cfgPipe.write(encodeBoxinitConfig(config));
  let resized = false;
  const sendResizes = () => {
    if (resized) return;
    resized = true;
    for (const [rows, cols] of o.resize ?? []) cfgPipe.write(encodeWindowSize(rows, cols));
    cfgPipe.end();
  };
  if (!o.resize || o.resize.length === 0) cfgPipe.end();
  child.stdin!.on('error', () => {});
  child.stdin!.end(o.stdin ?? '');
  let stdout = '';
  let stderr = '';
  let reportText = '';
  let pidSeen = false;
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (o.resize && o.resize.length > 0 && stdout.includes(o.resizeWhen ?? '')) sendResizes();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  reportPipe.on('data', (d: Buffer) => {
    reportText += d.toString();
    const r = parseBoxinitReport(reportText);
    if (r.pid !== undefined && !pidSeen) {
      pidSeen = true;
      o.onPid?.(r.pid);
    }
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`boxinit timed out: ${argv.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}\nreport: ${reportText}`));
    }, o.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const status = code ?? 128 + (signal ? (signalNumbers[signal] ?? 0) : 0);
      resolve({ status, stdout, stderr, report: parseBoxinitReport(reportText), reportText, elapsedMs: Date.now() - started });
    });
  });
}

/**
 * The host's mount table lines that mention one of `paths` (the test's own temp
 * dirs: anything a container leaked would be mounted there). Other engineers'
 * tests mount and unmount elsewhere on the shared machine at the same time.
 */
export function hostMountinfo(...paths: string[]): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l && (paths.length === 0 || paths.some((p) => l.includes(p))))
    .sort();
}

/** Compiles a C file with `cc -static` to OUT. */
export function compileStatic(src: string, out: string, extra: string[] = []): void {
  execFileSync('cc', ['-static', '-O1', '-o', out, src, ...extra], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Why the boxinit e2e tests cannot run here: a missing requirement, or boxinit not built. */
export function boxinitSkipReason(...reqs: Requirement[]): string | undefined {
  const why = missing(...reqs);
  if (why) return why;
  try {
    locateBoxinit();
    return undefined;
  } catch {
    return 'native/build/boxinit not built (npm run build:native)';
  }
}

export interface BoxinitHarness {
  /** one busybox rootfs for the whole describe block */
  busybox: BusyboxRootfs;
  /** a fresh overlay root over it for each test */
  root: OverlayRoot;
}

/**
 * Registers the hooks every boxinit e2e file needs (call inside `describe`):
 * a busybox rootfs per file, a fresh overlay root per test, and after each
 * test a check that the host's mount table (lines naming the root, the rootfs
 * or the `watch` paths) is as it was before the container.
 */
export function useBoxinitHarness(watch: () => string[] = () => []): BoxinitHarness {
  const h = {} as BoxinitHarness;
  let mountsBefore: string[] = [];
  const ourMounts = () => hostMountinfo(h.root.base, h.busybox.dir, ...watch());
  beforeAll(() => {
    h.busybox = makeBusyboxRootfs();
  });
  afterAll(() => h.busybox?.cleanup());
  beforeEach(() => {
    h.root = overlayRoot(h.busybox.dir);
    mountsBefore = ourMounts();
  });
  afterEach(() => {
    try {
      // nothing mounted on the host, before or after a container
      expect(ourMounts()).toEqual(mountsBefore);
    } finally {
      h.root.cleanup();
    }
  });
  return h;
}
