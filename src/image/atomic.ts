// Atomic file writes: write a temp file in the target's folder (or a given
// temp folder on the same file system), fsync it, rename it over the target,
// fsync the folder. A reader sees the old bytes or the new, never a mix; a
// crash leaves at most a temp file, which `prune` collects.
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomHex } from '../random-hex.js';

/** A unique temp name: pid + random, so that a leftover can be traced to its writer. */
export function tempName(prefix = 'tmp'): string {
  return `.${prefix}-${process.pid}-${randomHex(6)}`;
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface AtomicWriteOptions {
  /** folder for the temp file (same file system as the target); default the target's folder */
  tempDir?: string;
  mode?: number;
}

export async function writeFileAtomic(target: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = path.dirname(target);
  const tmp = path.join(options.tempDir ?? dir, tempName(path.basename(target)));
  const fh = await open(tmp, 'wx', options.mode ?? 0o644);
  try {
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}
