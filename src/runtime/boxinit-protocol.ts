// The contract between Node and native/boxinit (the C helper that sets up a
// container inside its new namespaces). Everything the helper needs is
// decided here in TypeScript; the helper only acts.
//
// ── How a container starts ────────────────────────────────────────────────
//   const argv = boxinitArgv(config);            // [program, ...args]
//   spawn argv[0] with argv.slice(1) and stdio:
//     fd 0,1,2  the container's stdin/stdout/stderr (stdin: /dev/null without -i;
//               with tty: boxinit relays between them and the pty master, so
//               pipes are fine — never hand the host's terminal in)
//     fd 3      CONFIG_FD: a pipe; write encodeBoxinitConfig(config) into it.
//               With tty, keep it open and write encodeWindowSize(rows, cols)
//               whenever the host window changes; otherwise end it.
//     fd 4      REPORT_FD: a pipe; read it and feed the text to parseBoxinitReport().
//               First line: the host pid of the container's PID 1. Then EOF as soon
//               as the command was exec'd (the fd is close-on-exec: "started",
//               runc's sync idea), or a failure line and EOF.
//   If boxinit fails before reading the whole config (e.g. a cgroup cannot be
//   joined), writes to fd 3 fail with EPIPE: handle 'error' on that stream and
//   trust the report.
//   Then wait for the process: its exit status IS the container's status —
//   the command's exit code, or 128+n when signal n killed it (like tini).
//   A setup failure exits BOXINIT_FAILED_STATUS (125) / 126 / 127 with a
//   failure line in the report; check the report before trusting 125-127.
//
// The process chain (one pid on the host, exec after exec):
//   [boxinit --join-cgroup F… --]  joins the cgroups first (so that the new cgroup
//                                  namespace is rooted there), then execs:
//   [nsenter --net=PATH --]        with netnsPath: joins that network namespace
//   unshare --mount --uts --ipc --net --cgroup --pid --propagation private --
//                                  (no --fork: unshare execs straight on)
//   boxinit --stage2               still outside the new pid namespace: forks
//                                  PID 1 (which does all the setup and execs the
//                                  command) and stays as its parent: forwards
//                                  SIGHUP/INT/QUIT/TERM/USR1/USR2/WINCH/ALRM/CONT/
//                                  TSTP/TTIN/TTOU/PIPE to it, exits with its status,
//                                  and if killed itself, PID 1 gets SIGKILL
//                                  (PR_SET_PDEATHSIG) and the namespace dies.
//   Stage 2 first re-execs itself from a sealed memfd copy (CVE-2019-5736), so
//   /proc/PID/exe of a boxinit in the container never is the host binary.
//   Every container path is resolved inside the root (openat2 RESOLVE_IN_ROOT,
//   no magic links), mounts go through /proc/self/fd, then pivot_root + detach.
//
// ── Signals ───────────────────────────────────────────────────────────────
// Send signals to the spawned process: they reach PID 1. Without init mode
// PID 1 is the user's command and (as in Docker) ignores signals it has no
// handler for; SIGKILL the spawned process to stop the container for sure
// (status 137 cannot be observed then: the spawned process itself is killed;
// report 128+9). The host pid of PID 1 from the report also works.
//
// ── Config wire format (fd 3) ─────────────────────────────────────────────
// A sequence of records: u32 little-endian LENGTH, then LENGTH bytes made of
// `KEY\0VALUE` (VALUE may be empty and may contain NULs for multi-field
// records or bytes for `seccomp`). The first record is `version`=`1`, the
// last `end`. After `end`, only `winsize` records may follow (tty mode).
// Keys (repeatable ones marked *):
//   version   "1"
//   rootfs    "overlay\0TARGET\0OPTIONS[\0BASEDIR]" | "dir\0TARGET\0SOURCE"
//             overlay: mount -t overlay overlay -o OPTIONS TARGET (OPTIONS ready-made,
//             escaped, including redirect_dir=off,metacopy=off), run in BASEDIR when
//             given (relative lowerdir/upperdir/workdir resolve there). dir: bind SOURCE on
//             TARGET (TARGET may equal SOURCE). Mounted inside the new mount namespace,
//             so nothing is visible on the host and nothing needs unmounting.
//   mount*    "TYPE\0SOURCE\0DEST\0OPTIONS"   TYPE bind|tmpfs; DEST inside the container;
//             OPTIONS comma list: ro, nosuid, nodev, noexec, rbind, anything else is
//             handed to mount(2) as data (e.g. size=64m,mode=1777). Missing mount
//             points are created (a file when SOURCE is not a directory).
//   masked*   container path: bind /dev/null over a file, read-only tmpfs over a dir
//             (absent paths are skipped: e.g. /proc/kcore on kernels without it)
//   readonly* container path: bind-remounted read-only (absent paths skipped)
//   sysfs     "ro" | "rw" (default ro)
//   cgroupfs  "ro": /sys/fs/cgroup read-only with the container's hierarchies
//             (cgroup v1 controllers on a tmpfs, cgroup2 at unified/; pure v2: cgroup2)
//   file*     "DEST\0SOURCE" bind a host file (e.g. /etc/hosts prepared by TS) on DEST
//   hostname  string
//   loopback_up 1 (bring `lo` up: set when the net namespace is boxinit's own)
//   readonly_root "1"
//   cwd       absolute container path (created when missing, must stay inside the root)
//   arg*      argv of the command (arg[0] is looked up in PATH of the env, as execvp)
//   env*      "NAME=VALUE"
//   uid, gid  decimal;  group*  decimal supplementary gid
//   cap_bounding / cap_effective / cap_permitted / cap_inheritable / cap_ambient
//             hex u64 masks (bit n = capability n); the effective, permitted,
//             inheritable and ambient sets are trimmed to what boxinit itself holds
//             (this host withholds CAP_SYS_RESOURCE: --privileged = all we have)
//   no_new_privs "1"
//   seccomp   raw classic BPF: struct sock_filter[] (8 bytes each, little-endian)
//   tty       "ROWS COLS"  allocate a pty from the container's /dev/ptmx
//   init      "1"  boxinit stays PID 1, forks the command, reaps, forwards signals
//   end       ""
//   winsize   "ROWS COLS" (after end, tty mode only)
//
// ── Report wire format (fd 4) ─────────────────────────────────────────────
// JSON lines. {"event":"pid","pid":N} first (host pid of PID 1). On a failing
// step: {"stage":"STAGE","errno":E,"message":"…"} and boxinit exits with
// BOXINIT_FAILED_STATUS, except stage "exec": 127 (not found) / 126 (not
// executable or other execve failure), as Docker does. After a successful
// execve nothing more is written (the fd is close-on-exec).
import { accessSync, constants as fsConstants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TsbuildError } from '../errors.js';

export const CONFIG_FD = 3;
export const REPORT_FD = 4;
export { BOXINIT_FAILED_STATUS, errnoText, parseBoxinitReport } from './boxinit-report.js';
export type { BoxinitFailure, BoxinitReport } from './boxinit-report.js';

export type Namespace = 'pid' | 'mount' | 'uts' | 'ipc' | 'net' | 'cgroup';
export const DEFAULT_NAMESPACES: readonly Namespace[] = ['pid', 'mount', 'uts', 'ipc', 'net', 'cgroup'];

export type BoxinitRootfs =
  /**
   * options: the full overlay option string (lowerdir=…,upperdir=…,workdir=…,redirect_dir=off,metacopy=off), escaped.
   * baseDir: when set, boxinit chdirs there before mounting, so options may use paths relative to it
   * (e.g. relative to the store root) — the container's /proc/self/mountinfo then shows no host paths.
   */
  | { kind: 'overlay'; target: string; options: string; baseDir?: string }
  /** vfs driver: a plain directory, bind-mounted on target (target may equal path) */
  | { kind: 'dir'; target: string; path: string };

export interface BoxinitMount {
  type: 'bind' | 'tmpfs';
  /** host path for bind; ignored for tmpfs */
  source: string;
  /** absolute path inside the container */
  destination: string;
  /** ro, nosuid, nodev, noexec, rbind; others become mount data (size=…, mode=…) */
  options: string[];
}

/** the five capability sets; bit n = capability n (see capabilities.ts) */
export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

export interface BoxinitConfig {
  rootfs: BoxinitRootfs;
  /** user mounts (-v, --mount, --tmpfs), applied in order after /proc, /dev, /sys */
  mounts: BoxinitMount[];
  /** Docker's masked paths (DOCKER_MASKED_PATHS), empty for --privileged */
  maskedPaths: string[];
  /** Docker's read-only paths (DOCKER_READONLY_PATHS), empty for --privileged */
  readonlyPaths: string[];
  /** /sys read-only (default true; false for --privileged) */
  sysfsReadonly: boolean;
  /** mount /sys/fs/cgroup read-only as Docker does (needs the cgroup namespace; optional, default off) */
  cgroupfs?: boolean;
  hostname: string;
  /** host files bound over /etc/hostname, /etc/hosts, /etc/resolv.conf (any may be absent) */
  files: { hostname?: string; hosts?: string; resolvConf?: string };
  readonlyRoot: boolean;
  /** absolute path inside the container */
  cwd: string;
  argv: string[];
  /** NAME=VALUE; PATH from here is used to look argv[0] up */
  env: string[];
  uid: number;
  gid: number;
  additionalGids: number[];
  capabilities: CapabilitySets;
  noNewPrivileges: boolean;
  /** compiled classic BPF (seccomp/compile.ts), or undefined for unconfined */
  seccomp?: Uint8Array;
  /** a pseudo-terminal with this initial size, or undefined */
  tty?: { rows: number; cols: number };
  /** --init: boxinit stays PID 1 */
  init: boolean;
  /** cgroup.procs files to join before the namespaces are created */
  cgroupProcs: string[];
  /** namespaces to create (default DEFAULT_NAMESPACES) */
  namespaces: readonly Namespace[];
  /** join this network namespace (nsenter --net=) instead of creating one */
  netnsPath?: string;
}

/** Docker's masked paths (moby oci/defaults.go) */
export const DOCKER_MASKED_PATHS: readonly string[] = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

/** Docker's read-only paths (moby oci/defaults.go) */
export const DOCKER_READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

// ── encoder ────────────────────────────────────────────────────────────────

export function record(key: string, value: Uint8Array | string): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  const k = Buffer.from(`${key}\0`, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(k.length + v.length, 0);
  return Buffer.concat([head, k, v]);
}

function checkString(what: string, s: string): void {
  if (s.includes('\0')) throw new TsbuildError('runtime', 'BOXINIT_CONFIG', `${what} contains a NUL byte: ${JSON.stringify(s)}`);
}

function checkId(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xfffffffe) {
    throw new TsbuildError('runtime', 'BOXINIT_CONFIG', `${what} ${n} is not a valid numeric id`);
  }
}

function mask(m: bigint): string {
  if (m < 0n || m >= 1n << 64n) throw new TsbuildError('runtime', 'BOXINIT_CONFIG', `capability mask ${m} out of range`);
  return m.toString(16);
}

/** What the command runs as: shared by `run` (BoxinitConfig) and `exec` (boxinit-exec.ts). */
export type BoxinitProcess = Pick<
  BoxinitConfig,
  'cwd' | 'argv' | 'env' | 'uid' | 'gid' | 'additionalGids' | 'capabilities' | 'noNewPrivileges' | 'seccomp' | 'tty'
>;

/** The records of the process part of a config (cwd … tty). */
export function processRecords(c: BoxinitProcess): Buffer[] {
  const out: Buffer[] = [];
  if (!c.cwd.startsWith('/')) throw new TsbuildError('runtime', 'BOXINIT_CONFIG', `working directory must be absolute: ${c.cwd}`);
  out.push(record('cwd', c.cwd));
  if (c.argv.length === 0) throw new TsbuildError('runtime', 'BOXINIT_CONFIG', 'no command to run');
  for (const a of c.argv) {
    checkString('argument', a);
    out.push(record('arg', a));
  }
  for (const e of c.env) {
    checkString('environment variable', e);
    out.push(record('env', e));
  }
  checkId('uid', c.uid);
  checkId('gid', c.gid);
  out.push(record('uid', String(c.uid)), record('gid', String(c.gid)));
  for (const g of c.additionalGids) {
    checkId('group', g);
    out.push(record('group', String(g)));
  }
  const caps = c.capabilities;
  out.push(
    record('cap_bounding', mask(caps.bounding)),
    record('cap_effective', mask(caps.effective)),
    record('cap_permitted', mask(caps.permitted)),
    record('cap_inheritable', mask(caps.inheritable)),
    record('cap_ambient', mask(caps.ambient)),
  );
  if (c.noNewPrivileges) out.push(record('no_new_privs', '1'));
  if (c.seccomp !== undefined) {
    if (c.seccomp.length === 0 || c.seccomp.length % 8 !== 0 || c.seccomp.length / 8 > 4096) {
      throw new TsbuildError('runtime', 'BOXINIT_CONFIG', `seccomp program has ${c.seccomp.length} bytes (need 1..4096 instructions of 8 bytes)`);
    }
    out.push(record('seccomp', c.seccomp));
  }
  if (c.tty) out.push(record('tty', `${c.tty.rows} ${c.tty.cols}`));
  return out;
}

/** Encodes the config as the record stream boxinit reads on CONFIG_FD. */
export function encodeBoxinitConfig(c: BoxinitConfig): Buffer {
  const out: Buffer[] = [record('version', '1')];
  const r = c.rootfs;
  if (!path.isAbsolute(r.target)) throw new TsbuildError('runtime', 'BOXINIT_CONFIG', `rootfs target must be absolute: ${r.target}`);
  if (r.kind === 'overlay') {
    checkString('overlay options', r.options);
    if (r.baseDir !== undefined && !path.isAbsolute(r.baseDir)) {
      throw new TsbuildError('runtime', 'BOXINIT_CONFIG', `overlay base dir must be absolute: ${r.baseDir}`);
    }
    out.push(record('rootfs', `overlay\0${r.target}\0${r.options}${r.baseDir !== undefined ? `\0${r.baseDir}` : ''}`));
  } else {
    checkString('rootfs path', r.path);
    out.push(record('rootfs', `dir\0${r.target}\0${r.path}`));
  }
  for (const m of c.mounts) {
    for (const s of [m.source, m.destination, ...m.options]) checkString('mount', s);
    if (!m.destination.startsWith('/')) {
      throw new TsbuildError('runtime', 'BOXINIT_CONFIG', `mount destination must be absolute: ${m.destination}`);
    }
    out.push(record('mount', `${m.type}\0${m.source}\0${m.destination}\0${m.options.join(',')}`));
  }
  for (const p of c.maskedPaths) out.push(record('masked', p));
  for (const p of c.readonlyPaths) out.push(record('readonly', p));
  out.push(record('sysfs', c.sysfsReadonly ? 'ro' : 'rw'));
  if (c.cgroupfs) out.push(record('cgroupfs', 'ro'));
  const files: [string, string | undefined][] = [
    ['/etc/hostname', c.files.hostname],
    ['/etc/hosts', c.files.hosts],
    ['/etc/resolv.conf', c.files.resolvConf],
  ];
  for (const [dest, src] of files) if (src !== undefined) out.push(record('file', `${dest}\0${src}`));
  checkString('hostname', c.hostname);
  if (c.hostname !== '') out.push(record('hostname', c.hostname));
  if (c.readonlyRoot) out.push(record('readonly_root', '1'));
  // a fresh network namespace made by unshare has `lo` down: boxinit brings it up
  if (c.namespaces.includes('net') && c.netnsPath === undefined) out.push(record('loopback_up', '1'));
  out.push(...processRecords(c));
  if (c.init) out.push(record('init', '1'));
  out.push(record('end', ''));
  return Buffer.concat(out);
}

/** A window-size change, written on CONFIG_FD after the config (tty mode). */
export function encodeWindowSize(rows: number, cols: number): Buffer {
  return record('winsize', `${Math.max(0, rows | 0)} ${Math.max(0, cols | 0)}`);
}

// ── where boxinit is, and how to start it ─────────────────────────────────

/**
 * Path of the compiled helper: native/build/boxinit next to the package, both
 * from src/runtime/ (tsx, tests) and from the bundled dist/. TSBUILD_BOXINIT
 * overrides. Throws a TsbuildError when it was not built.
 */
export function boxinitPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.TSBUILD_BOXINIT;
  if (override) {
    if (!existsSync(override)) throw notBuilt([override]);
    return override;
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const tried: string[] = [];
  let dir = here;
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'native', 'build', 'boxinit');
    tried.push(candidate);
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw notBuilt(tried);
}

function notBuilt(tried: string[]): TsbuildError {
  return new TsbuildError(
    'runtime',
    'BOXINIT_MISSING',
    `the container helper boxinit was not built (looked at ${tried.join(', ')}); ` +
      `run 'npm run build:native' (needs a C compiler: apt-get install -y gcc libc6-dev)`,
  );
}

const unshareFlag: Record<Namespace, string> = {
  pid: '--pid',
  mount: '--mount',
  uts: '--uts',
  ipc: '--ipc',
  net: '--net',
  cgroup: '--cgroup',
};

export interface BoxinitArgvOptions {
  /** default boxinitPath() */
  boxinit?: string;
  /** default toolPath('unshare') */
  unshare?: string;
  /** default toolPath('nsenter') */
  nsenter?: string;
}

/** the system directories searched before PATH for the util-linux tools boxinit execs */
const SYSTEM_BIN_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];
const toolPaths = new Map<string, string>();

/**
 * The absolute path of a util-linux tool (unshare, nsenter), found once per
 * process: the system directories first, then PATH. Handed to boxinit as is,
 * so its exec walks no PATH (and a directory early in root's PATH cannot
 * stand in for the tool). The bare name when it is nowhere: exec reports it.
 */
export function toolPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const known = toolPaths.get(name);
  if (known) return known;
  const dirs = [...SYSTEM_BIN_DIRS, ...(env.PATH ?? '').split(':').filter((d) => path.isAbsolute(d))];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
    } catch {
      continue;
    }
    if (statSync(candidate).isFile()) {
      toolPaths.set(name, candidate);
      return candidate;
    }
  }
  return name;
}

/** The argv to spawn (argv[0] is the program). Pure apart from boxinitPath(). */
export function boxinitArgv(
  c: Pick<BoxinitConfig, 'cgroupProcs' | 'namespaces' | 'netnsPath'>,
  o: BoxinitArgvOptions = {},
): string[] {
  const boxinit = o.boxinit ?? boxinitPath();
  const ns = c.namespaces.filter((n) => !(n === 'net' && c.netnsPath !== undefined));
  if (!ns.includes('mount') || !ns.includes('pid')) {
    throw new TsbuildError('runtime', 'BOXINIT_CONFIG', 'boxinit needs new pid and mount namespaces');
  }
  const unshare = [o.unshare ?? toolPath('unshare'), ...ns.map((n) => unshareFlag[n]), '--propagation', 'private', '--', boxinit, '--stage2'];
  const inner = c.netnsPath !== undefined ? [o.nsenter ?? toolPath('nsenter'), `--net=${c.netnsPath}`, '--', ...unshare] : unshare;
  if (c.cgroupProcs.length === 0) return inner;
  const stage1 = [boxinit];
  for (const p of c.cgroupProcs) stage1.push('--join-cgroup', p);
  return [...stage1, '--', ...inner];
}
