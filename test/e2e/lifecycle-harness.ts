// Shared by the life-cycle e2e tests: any tsbuild verb in-process, and the
// host resources a container may leave (cgroups, netns files, veths, mounts).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { netnsDir } from '../../src/runtime/network/run-dir.js';
import type { Harness, RunResult } from './run-harness.js';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString('utf8');
    cb();
  }
}

/** `tsbuild --root ROOT ARGS…` in-process */
export async function tsb(h: Harness, args: string[], input?: string): Promise<RunResult> {
  const stdout = new Collect();
  const stderr = new Collect();
  const stdin = new PassThrough();
  stdin.end(input ?? '');
  const code = await main(['--root', h.root, ...args], { stdout, stderr, stdin, env: { ...process.env }, cwd: h.tmp });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** the containers' cgroup dirs that exist: ID under the tsbuild parent below our own cgroup, per hierarchy */
export function containerCgroups(ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, ctrls, self] = line.split(':');
    if (!ctrls || self === undefined) continue;
    const mount = path.join('/sys/fs/cgroup', ctrls.replace(/^name=/, ''));
    for (const id of ids) {
      const dir = path.join(mount, self, 'tsbuild', id);
      if (existsSync(dir)) out.push(dir);
    }
  }
  return out;
}

export function netnsFiles(ids: readonly string[]): string[] {
  const dir = netnsDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => ids.some((id) => n.includes(id)));
}

export function links(): string[] {
  return readdirSync('/sys/class/net').sort();
}

export function mountCount(): number {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').length;
}

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

export function stateOf(h: Harness, id: string): Record<string, any> | undefined {
  try {
    return JSON.parse(readFileSync(path.join(h.root, 'containers', id, 'state.json'), 'utf8')) as Record<string, any>;
  } catch {
    return undefined;
  }
}

export async function until(f: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out');
}
