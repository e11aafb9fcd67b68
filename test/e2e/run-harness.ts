// Shared set-up for the `tsbuild run` end-to-end tests: a busybox rootfs, a
// temp store root, `main([...])` in-process with captured output, a child
// tsbuild process for signal tests, and the leak checks (mounts that name our
// temp dirs, container dirs left behind).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Harness {
  rootfs: BusyboxRootfs;
  /** store root */
  root: string;
  tmp: string;
  cleanup(): void;
}

export function makeHarness(): Harness {
  const rootfs = makeBusyboxRootfs();
  const tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-run-e2e-'));
  const root = path.join(tmp, 'root');
  return {
    rootfs,
    root,
    tmp,
    cleanup() {
      rmSync(tmp, { recursive: true, force: true });
      rootfs.cleanup();
    },
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString('utf8');
    cb();
  }
}

/** `tsbuild --root ROOT run ARGS…` in-process */
export async function run(h: Harness, args: string[], input?: string): Promise<RunResult> {
  const stdout = new Collect();
  const stderr = new Collect();
  const stdin = new PassThrough();
  if (input !== undefined) stdin.end(input);
  else stdin.end();
  const code = await main(['--root', h.root, 'run', ...args], { stdout, stderr, stdin, env: { ...process.env }, cwd: h.tmp });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** `run --rm --rootfs ROOTFS ARGS…` */
export function runRm(h: Harness, args: string[], input?: string): Promise<RunResult> {
  return run(h, ['--rm', '--rootfs', h.rootfs.dir, ...args], input);
}

/** a separate tsbuild process (node + tsx), for signals */
/** polls F every 50 ms until it gives a value (not undefined); times out after MS naming WHAT */
export async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function spawnTsbuild(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'src/cli/main.ts'), ...args], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function waitForOutput(child: ChildProcess, needle: string, ms = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${JSON.stringify(needle)}; got ${JSON.stringify(text)}`)), ms);
    child.stdout?.on('data', (b: Buffer) => {
      text += b.toString();
      if (text.includes(needle)) {
        clearTimeout(timer);
        resolve(text);
      }
    });
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** mount table lines that name any of our paths */
export function ourMounts(h: Harness): string[] {
  const needles = [h.tmp, path.dirname(h.rootfs.dir)];
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => needles.some((n) => l.includes(n)));
}

export function containerIds(h: Harness): string[] {
  try {
    return readdirSync(path.join(h.root, 'containers')).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
}

export function readState(h: Harness, id: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(h.root, 'containers', id, 'state.json'), 'utf8')) as Record<string, unknown>;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
