// The build cache index, under the store: ROOT/cache/build/<key[0:2]>/<key>.json
// maps a step's cache key to what the step produced (a layer blob and its
// diffID, or no layer). Entries are written atomically (temp + rename) and
// never changed in place, so concurrent builds can share one store: two
// builds that make the same step write the same entry (layers are
// reproducible), and the last rename wins. The image config is not cached:
// the planner computes it.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../image/atomic.js';
import type { Digest } from '../image/digest.js';

export interface CachedLayer {
  diffId: Digest;
  /** the blob in the store (uncompressed: the same as diffId) */
  digest: Digest;
  size: number;
  mediaType: string;
}

export interface CacheEntry {
  version: 1;
  key: string;
  /** undefined: the step changed no files */
  layer?: CachedLayer;
}

export class BuildCache {
  readonly dir: string;
  constructor(root: string) {
    this.dir = path.join(root, 'cache', 'build');
  }

  private file(key: string): string {
    if (!/^[a-f0-9]{64}$/.test(key)) throw new Error(`bad cache key ${key}`);
    return path.join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    try {
      const e = JSON.parse(await readFile(this.file(key), 'utf8')) as CacheEntry;
      return e.version === 1 && e.key === key ? e : undefined;
    } catch {
      return undefined;
    }
  }

  async put(entry: Omit<CacheEntry, 'version'>): Promise<void> {
    const file = this.file(entry.key);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify({ version: 1, ...entry }));
  }
}
