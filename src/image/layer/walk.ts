// Walks a directory tree into a list of entries sorted bytewise by path, so
// the order never depends on readdir order or on the file system.
import type { BigIntStats } from 'node:fs';
import { lstatSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';

export interface WalkEntry {
  /** path relative to the root, '/'-separated, no leading './' */
  rel: string;
  abs: string;
  st: BigIntStats;
}

function fsError(code: string, what: string, p: string, err: unknown): TsbuildError {
  const msg = err instanceof Error ? err.message : String(err);
  return new TsbuildError('image', code, `cannot ${what} ${p}: ${msg}`, { cause: err });
}

/**
 * All entries below root (the root itself excluded), parents before children,
 * sorted by path bytes. readdir and lstat run synchronously on this thread
 * (no thread-pool round trip per file), yielding to the event loop every
 * YIELD_EVERY entries; `onEntry` sees each entry as it is found.
 */
export async function walkTree(root: string, onEntry?: (e: WalkEntry) => void): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  const dirs: WalkEntry[] = [];
  let sinceYield = 0;
  const walkDir = (rel: string, abs: string): void => {
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (err) {
      throw fsError('LAYER_READ', 'read directory', abs, err);
    }
    for (const name of names) {
      const childAbs = path.join(abs, name);
      let st: BigIntStats;
      try {
        st = lstatSync(childAbs, { bigint: true });
      } catch (err) {
        throw fsError('LAYER_READ', 'stat', childAbs, err);
      }
      const e = { rel: rel === '' ? name : `${rel}/${name}`, abs: childAbs, st };
      out.push(e);
      onEntry?.(e);
      if (st.isDirectory()) dirs.push(e);
    }
  };
  walkDir('', root);
  while (dirs.length > 0) {
    const d = dirs.pop()!;
    walkDir(d.rel, d.abs);
    if (++sinceYield >= YIELD_EVERY_DIRS) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const keys = new Map<WalkEntry, Buffer>(out.map((e) => [e, Buffer.from(e.rel)]));
  out.sort((a, b) => Buffer.compare(keys.get(a)!, keys.get(b)!));
  return out;
}

const YIELD_EVERY_DIRS = 64;

/** Linux dev_t → major/minor (glibc's encoding). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}
