// Walks a directory tree into a list of entries sorted bytewise by path, so
// the order never depends on readdir order or on the file system.
import type { BigIntStats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
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

/** All entries below root (the root itself excluded), parents before children, sorted by path bytes. */
export async function walkTree(root: string): Promise<WalkEntry[]> {
  const out: WalkEntry[] = [];
  const walkDir = async (rel: string, abs: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(abs);
    } catch (err) {
      throw fsError('LAYER_READ', 'read directory', abs, err);
    }
    const entries = await Promise.all(
      names.map(async (name) => {
        const childAbs = path.join(abs, name);
        try {
          return { rel: rel === '' ? name : `${rel}/${name}`, abs: childAbs, st: await lstat(childAbs, { bigint: true }) };
        } catch (err) {
          throw fsError('LAYER_READ', 'stat', childAbs, err);
        }
      }),
    );
    out.push(...entries);
    await Promise.all(entries.filter((e) => e.st.isDirectory()).map((e) => walkDir(e.rel, e.abs)));
  };
  await walkDir('', root);
  const keys = new Map<WalkEntry, Buffer>(out.map((e) => [e, Buffer.from(e.rel)]));
  out.sort((a, b) => Buffer.compare(keys.get(a)!, keys.get(b)!));
  return out;
}

/** Linux dev_t → major/minor (glibc's encoding). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}
