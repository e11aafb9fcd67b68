// A file lock that works across processes, without flock(2) (Node has no
// binding for it). Acquire = link(2) a fully written temp file to NAME.lock:
// link is atomic and fails with EEXIST when the lock is held, and the lock
// file always carries its owner ("pid starttime"), never half-written.
//
// Staleness: a holder killed with SIGKILL leaves its file behind. The lock is
// stale when its pid is gone or the pid now belongs to a process that started
// at another time (/proc/PID/stat field 22), so pid reuse is not mistaken for
// the owner. A stale lock is broken by renaming it to a private name and
// checking that what was moved is the stale owner's file; if another process
// got there first and already holds it, the file is linked back.
// Limits: all users of a store must share a pid namespace (as they share
// /proc); a lock is not re-entrant.
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TsbuildError } from '../errors.js';
import { randomHex } from '../random-hex.js';

export interface LockOwner {
  pid: number;
  start: string;
}

/** The start time of a process in clock ticks since boot, or undefined if it does not exist. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); starttime is field 22
    return fields[19];
  } catch {
    return undefined;
  }
}

let selfStart: string | undefined;
export function selfOwner(): LockOwner {
  selfStart ??= processStartTime(process.pid) ?? '0';
  return { pid: process.pid, start: selfStart };
}

export function formatOwner(o: LockOwner): string {
  return `${o.pid} ${o.start}\n`;
}

export function parseOwner(text: string): LockOwner | undefined {
  const m = /^(\d+) (\d+)\n?$/.exec(text);
  return m ? { pid: Number(m[1]), start: m[2] as string } : undefined;
}

/** Whether the process that wrote this owner record is still alive. */
export function ownerAlive(o: LockOwner | undefined): boolean {
  if (!o) return false;
  return processStartTime(o.pid) === o.start;
}

/** Writes an owner record to a unique file in `dir`; returns its path. */
export async function writeOwnerFile(dir: string, prefix: string): Promise<string> {
  const p = path.join(dir, `.${prefix}-${process.pid}-${randomHex(6)}`);
  const fh = await open(p, 'wx', 0o644);
  try {
    await fh.writeFile(formatOwner(selfOwner()));
  } finally {
    await fh.close();
  }
  return p;
}

export interface LockOptions {
  /** give up after this many milliseconds (default 60 s) */
  timeoutMs?: number;
}

export class FileLock {
  private constructor(
    readonly file: string,
    private readonly content: string,
  ) {}

  /** Acquires `dir/name.lock`, waiting (with backoff) while another live process holds it. */
  static async acquire(dir: string, name: string, options: LockOptions = {}): Promise<FileLock> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${name}.lock`);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const mine = await writeOwnerFile(dir, `${name}.cand`);
    const content = formatOwner(selfOwner());
    let delay = 2;
    try {
      for (;;) {
        try {
          await link(mine, file);
          return new FileLock(file, content);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const held = await readFile(file, 'utf8').catch(() => undefined);
        if (held !== undefined && !ownerAlive(parseOwner(held))) {
          await breakStale(dir, file, held);
          continue;
        }
        if (Date.now() > deadline) {
          throw new TsbuildError('image', 'LOCK_TIMEOUT', `timed out waiting for lock ${file} (held by pid ${parseOwner(held ?? '')?.pid ?? '?'})`);
        }
        await sleep(delay + Math.random() * delay);
        delay = Math.min(delay * 2, 25);
      }
    } finally {
      await unlink(mine).catch(() => undefined);
    }
  }

  async release(): Promise<void> {
    const held = await readFile(this.file, 'utf8').catch(() => undefined);
    if (held === this.content) await unlink(this.file).catch(() => undefined);
  }
}

async function breakStale(dir: string, file: string, staleContent: string): Promise<void> {
  const moved = path.join(dir, `.broken-${process.pid}-${randomHex(6)}`);
  try {
    await rename(file, moved);
  } catch {
    return; // someone else broke or released it
  }
  const got = await readFile(moved, 'utf8').catch(() => undefined);
  if (got !== staleContent && got !== undefined && ownerAlive(parseOwner(got))) {
    // we moved a live holder's lock: give it back (fails only if a third process took it meanwhile)
    await link(moved, file).catch(() => undefined);
  }
  await unlink(moved).catch(() => undefined);
}

/** Runs fn while holding the lock. */
export async function withFileLock<T>(dir: string, name: string, fn: () => Promise<T>, options?: LockOptions): Promise<T> {
  const lock = await FileLock.acquire(dir, name, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
