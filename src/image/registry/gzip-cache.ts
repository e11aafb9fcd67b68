// The gzip of each uncompressed layer as pushed last time, kept under
// STORE/registry/gzip-cache/<diffID hex>, so that pushing the same layer
// again (to another registry, or after the registry lost it) uploads the
// file instead of compressing 200 MB again. A cache, not a source of truth:
// its size is checked against the push state before use, the registry checks
// the digest on upload, and a bad entry is removed and made again.
import { mkdir, open, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { tempName } from '../atomic.js';
import { digestHex, parseDigest } from '../digest.js';
import type { ImageStore } from '../store.js';

export function gzipCacheDir(store: ImageStore): string {
  return path.join(store.root, 'registry', 'gzip-cache');
}

export function gzipCachePath(store: ImageStore, diffId: string): string {
  return path.join(gzipCacheDir(store), digestHex(parseDigest(diffId)));
}

/** The cached gzip of a layer when it is there with the size the push state recorded. */
export async function cachedGzip(store: ImageStore, diffId: string, size: number): Promise<string | undefined> {
  const file = gzipCachePath(store, diffId);
  try {
    return (await stat(file)).size === size ? file : undefined;
  } catch {
    return undefined;
  }
}

export async function dropCachedGzip(store: ImageStore, diffId: string): Promise<void> {
  await unlink(gzipCachePath(store, diffId)).catch(() => undefined);
}

/**
 * A writer for one layer's gzip: `tee` passes the members on while writing
 * them to a temp file; `commit` renames it into the cache (after the upload
 * succeeded), `discard` removes it. Failing to cache never fails a push.
 */
export class GzipCacheWriter {
  #fh: FileHandle | undefined;
  #tmp: string | undefined;
  #broken = false;

  constructor(readonly store: ImageStore, readonly diffId: string) {}

  async *tee(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    await this.discard();
    this.#broken = false;
    try {
      await mkdir(gzipCacheDir(this.store), { recursive: true });
      this.#tmp = path.join(gzipCacheDir(this.store), tempName('gzip'));
      this.#fh = await open(this.#tmp, 'wx', 0o600);
    } catch {
      this.#broken = true;
    }
    for await (const m of source) {
      if (!this.#broken && this.#fh) await this.#fh.write(m).catch(() => (this.#broken = true));
      yield m;
    }
  }

  async commit(): Promise<void> {
    const fh = this.#fh;
    const tmp = this.#tmp;
    this.#fh = undefined;
    this.#tmp = undefined;
    if (!fh || !tmp) return;
    await fh.close().catch(() => (this.#broken = true));
    if (this.#broken) await unlink(tmp).catch(() => undefined);
    else await rename(tmp, gzipCachePath(this.store, this.diffId)).catch(() => unlink(tmp).catch(() => undefined));
  }

  async discard(): Promise<void> {
    const fh = this.#fh;
    const tmp = this.#tmp;
    this.#fh = undefined;
    this.#tmp = undefined;
    await fh?.close().catch(() => undefined);
    if (tmp) await unlink(tmp).catch(() => undefined);
  }
}

/** Writes a small layer's gzip into the cache (temp + rename); errors are ignored. */
export async function cacheGzipBuffer(store: ImageStore, diffId: string, gz: Buffer): Promise<void> {
  const tmp = path.join(gzipCacheDir(store), tempName('gzip'));
  try {
    await mkdir(gzipCacheDir(store), { recursive: true });
    await writeFile(tmp, gz, { flag: 'wx', mode: 0o600 });
    await rename(tmp, gzipCachePath(store, diffId));
  } catch {
    await unlink(tmp).catch(() => undefined);
  }
}
