// `exec`: a new process in a running container, through boxinit's exec mode
// (boxinit-exec.ts: nsenter into every namespace, boxinit joins the mount
// namespace and the cgroup, then the same user, capabilities, no_new_privs
// and seccomp filter as the container's PID 1 — kept by the monitor in the
// life-cycle record).
import { constants as osConstants } from 'node:os';
import { isatty } from 'node:tty';
import type { Readable, Writable } from 'node:stream';
import { TsbuildError, usageError } from '../../errors.js';
import { boxinitExecArgv, encodeBoxinitExecConfig, type BoxinitExecConfig } from '../boxinit-exec.js';
import { CONFIG_FD, parseBoxinitReport, REPORT_FD } from '../boxinit-protocol.js';
import { spawnAttached, type StdioSlot } from '../sys/exec.js';
import type { ResolvedUser } from '../user.js';
import type { ContainerView } from './lookup.js';
import { relayTerminal } from '../terminal-relay.js';

export interface ExecRequest {
  argv: string[];
  env: string[];
  /** -u: resolved against the container's /etc/passwd and /etc/group (exec-user.ts) */
  user?: ResolvedUser;
  workdir?: string;
  interactive: boolean;
  /** -t: a new pseudo-terminal of this size */
  tty?: { rows: number; cols: number };
}

/** the container's process template + the exec's overrides → boxinit's exec config (pure) */
export function execConfig(v: ContainerView, r: ExecRequest): BoxinitExecConfig {
  const t = v.record?.exec;
  if (!t || v.state.pid1 === undefined) throw new TsbuildError('runtime', 'NO_EXEC_RECORD', `container ${v.id.slice(0, 12)} has no life-cycle record (made by an older tsbuild): exec needs it`);
  if (r.argv.length === 0) throw usageError('exec needs a COMMAND');
  let uid = t.uid;
  let gid = t.gid;
  let additionalGids = t.additionalGids;
  if (r.user !== undefined) ({ uid, gid, additionalGids } = r.user);
  const env = new Map(t.env.map((e) => [e.slice(0, e.indexOf('=') === -1 ? e.length : e.indexOf('=')), e]));
  for (const e of r.env) env.set(e.includes('=') ? e.slice(0, e.indexOf('=')) : e, e);
  const caps = t.capabilities;
  return {
    targetPid: v.state.pid1,
    namespaces: t.namespaces,
    cgroupProcs: t.cgroupProcs,
    cwd: r.workdir ?? t.cwd,
    argv: r.argv,
    env: [...env.values()].filter((e) => e.includes('=')),
    uid,
    gid,
    additionalGids,
    capabilities: { bounding: BigInt(`0x${caps.bounding}`), effective: BigInt(`0x${caps.effective}`), permitted: BigInt(`0x${caps.permitted}`), inheritable: BigInt(`0x${caps.inheritable}`), ambient: BigInt(`0x${caps.ambient}`) },
    noNewPrivileges: t.noNewPrivileges,
    ...(t.seccomp ? { seccomp: new Uint8Array(Buffer.from(t.seccomp, 'base64')) } : {}),
    ...(r.tty ? { tty: r.tty } : {}),
  };
}

const SIGNALS = osConstants.signals as Record<string, number>;

/** exec's one check that the container runs: the host pid of its PID 1, or NOT_RUNNING */
export function runningPid1(v: ContainerView): number {
  const pid1 = v.state.pid1;
  if (!v.running || pid1 === undefined || pid1 <= 1) throw new TsbuildError('runtime', 'NOT_RUNNING', `container ${v.id.slice(0, 12)} is not running`);
  return pid1;
}

/** runs R in V, which runningPid1 has found running */
export async function execIn(
  v: ContainerView,
  r: ExecRequest,
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
  detach = false,
): Promise<number> {
  // a process joining the frozen cgroup would hang (Docker refuses too)
  if (v.record?.paused) throw new TsbuildError('runtime', 'CONTAINER_PAUSED', `container ${v.id.slice(0, 12)} is paused: unpause it before exec`);
  const config = execConfig(v, r);
  const [program, ...args] = boxinitExecArgv(config);
  const extra: StdioSlot[] = [];
  extra[CONFIG_FD - 3] = 'pipe';
  extra[REPORT_FD - 3] = 'pipe';
  // with -t boxinit relays between the pty and our own terminal (or pipes)
  const own = (s: unknown, fd: number): StdioSlot => (r.tty && s === [process.stdin, process.stdout][fd] && isatty(fd) ? 'inherit' : 'pipe');
  const child = await spawnAttached(program as string, args, {
    stdin: r.interactive && !detach ? own(io.stdin, 0) : 'ignore',
    stdout: detach ? 'ignore' : own(io.stdout, 1),
    stderr: detach ? 'ignore' : r.tty ? 'ignore' : 'pipe',
    extra,
  });
  const configPipe = child.extra.get(CONFIG_FD) as Writable;
  const reportPipe = child.extra.get(REPORT_FD) as Readable;
  configPipe.on('error', () => undefined);
  if (!r.tty) configPipe.end(encodeBoxinitExecConfig(config));
  else {
    // the pipe stays open for window-size changes (tty mode)
    configPipe.write(encodeBoxinitExecConfig(config));
    const undo = relayTerminal(configPipe, io.stdout, io.stdin, r.interactive && !detach);
    void child.exited.then(() => {
      undo();
      configPipe.destroy();
    });
  }
  let report = '';
  const reportDone = new Promise<void>((resolve) => {
    reportPipe.setEncoding('utf8');
    reportPipe.on('data', (c: string) => (report += c));
    reportPipe.on('close', () => resolve());
    reportPipe.on('end', () => resolve());
    reportPipe.on('error', () => resolve());
  });
  if (child.stdout) (child.stdout as Readable).on('data', (b: Buffer) => io.stdout.write(b));
  if (child.stderr) (child.stderr as Readable).on('data', (b: Buffer) => io.stderr.write(b));
  if (child.stdin) {
    const stdin = child.stdin as Writable;
    stdin.on('error', () => undefined);
    io.stdin.pipe(stdin);
    void child.exited.then(() => {
      io.stdin.unpipe(stdin);
      if (io.stdin === process.stdin) process.stdin.pause();
    });
  }
  if (detach) {
    await reportDone;
    const rep = parseBoxinitReport(report);
    if (rep.failure) throw rep.error ?? new TsbuildError('runtime', 'EXEC_FAILED', 'exec failed');
    return 0;
  }
  const [exit] = await Promise.all([child.exited, reportDone]);
  const rep = parseBoxinitReport(report);
  if (rep.failure) {
    if (rep.failure.stage === 'exec') {
      io.stderr.write(`tsbuild: ${rep.failure.message}\n`);
      return rep.exitStatus ?? 126;
    }
    throw rep.error ?? new TsbuildError('runtime', 'EXEC_FAILED', 'exec failed');
  }
  if (exit.signal) return 128 + (SIGNALS[exit.signal] ?? 0);
  return exit.exitCode ?? 125;
}
