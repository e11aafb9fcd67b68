// The only module that starts processes. Every child gets an argv array,
// never a shell string. Two entry points:
//  - execTool: run a tool to completion (execa 9, loaded lazily), throwing a
//    ToolError that carries argv, exit code, signal and the tail of stderr;
//  - spawnAttached: start a long-running child with its stdio wired straight
//    to ours (the container's boxinit). It uses node:child_process directly:
//    execa adds nothing when no output is captured, and costs start-up time
//    on the hot path of `tsbuild run`.
import { spawn, type StdioOptions } from 'node:child_process';
import type { Duplex, Readable, Writable } from 'node:stream';
import { TsbuildError } from '../../errors.js';

const STDERR_TAIL_LINES = 20;

export class ToolError extends TsbuildError {
  readonly tool: string;
  readonly argv: readonly string[];
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stderrTail: string;

  constructor(tool: string, argv: readonly string[], exitCode: number | undefined, signal: string | undefined, stderr: string, cause?: unknown) {
    const tail = tailLines(stderr, STDERR_TAIL_LINES);
    const how = signal ? `killed by ${signal}` : exitCode === undefined ? 'could not be started' : `exit ${exitCode}`;
    const last = tail.split('\n').filter((l) => l.trim() !== '').at(-1);
    super('runtime', 'TOOL_FAILED', `${formatArgv(tool, argv)}: ${how}${last ? `: ${last}` : ''}`, {
      cause,
      details: tail && tail.includes('\n') ? tail.split('\n') : [],
    });
    this.tool = tool;
    this.argv = argv;
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = tail;
  }
}

export function tailLines(text: string, n: number): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  return lines.slice(-n).join('\n');
}

/** argv as a user could paste it (single quotes where needed); for messages only */
export function formatArgv(tool: string, argv: readonly string[]): string {
  return [tool, ...argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}

export interface ExecOptions {
  /** text written to the tool's stdin; otherwise stdin is /dev/null */
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** return a failed result instead of throwing */
  allowFailure?: boolean;
}

export interface ExecResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/** Runs TOOL ARGV… to completion; throws ToolError on failure unless allowFailure. */
export async function execTool(tool: string, argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const { execa } = await import('execa');
  const result = await execa(tool, [...argv], {
    reject: false,
    shell: false,
    stripFinalNewline: false,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
    ...(options.env ? { env: options.env, extendEnv: false } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
  });
  const out: ExecResult = {
    exitCode: result.exitCode,
    signal: result.signal,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
  };
  if (result.failed && !options.allowFailure) {
    const cause = result.cause ?? undefined;
    const stderr = out.stderr || (result.exitCode === undefined && !result.signal ? String((cause as Error | undefined)?.message ?? '') : '');
    throw new ToolError(tool, argv, out.exitCode, out.signal, stderr, cause);
  }
  return out;
}

export type StdioSlot = 'inherit' | 'ignore' | 'pipe' | number;

export interface SpawnOptions {
  stdin: StdioSlot;
  stdout: StdioSlot;
  stderr: StdioSlot;
  /** more fds after 2, e.g. a pipe for a status report (fd 3…) */
  extra?: StdioSlot[];
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export interface ChildExit {
  /** the exit code, or undefined when a signal killed it */
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
}

export interface AttachedChild {
  pid: number;
  /** our ends of the fds given as 'pipe' */
  stdin: Writable | undefined;
  stdout: Readable | undefined;
  stderr: Readable | undefined;
  /** fds 3… given as 'pipe': sockets, readable and writable */
  extra: Map<number, Duplex>;
  kill(signal: NodeJS.Signals): boolean;
  exited: Promise<ChildExit>;
}

/** Starts TOOL ARGV… with the given stdio and returns at once. */
export function spawnAttached(tool: string, argv: readonly string[], options: SpawnOptions): Promise<AttachedChild> {
  const stdio: StdioOptions = [options.stdin, options.stdout, options.stderr, ...(options.extra ?? [])];
  const child = spawn(tool, [...argv], {
    stdio,
    shell: false,
    ...(options.env ? { env: options.env as NodeJS.ProcessEnv } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
  });
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('close', (code, signal) => resolve({ exitCode: code ?? undefined, signal: signal ?? undefined }));
  });
  return new Promise((resolve, reject) => {
    child.once('error', (err) => reject(new ToolError(tool, argv, undefined, undefined, err.message, err)));
    child.once('spawn', () => {
      const extra = new Map<number, Duplex>();
      child.stdio.forEach((s, fd) => {
        if (s && fd > 2) extra.set(fd, s as unknown as Duplex);
      });
      resolve({
        pid: child.pid as number,
        stdin: child.stdin ?? undefined,
        stdout: child.stdout ?? undefined,
        stderr: child.stderr ?? undefined,
        extra,
        kill: (sig) => child.kill(sig),
        exited,
      });
    });
  });
}
