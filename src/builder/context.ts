// The build context: a walk of the context folder (readdir + lstat: fast-glob
// did the same walk but its module load alone cost a cached rebuild ~25 ms),
// filtered by
// the .dockerignore matcher, with the sha256 of every file's content. A
// file-hash cache under the store root makes rebuilds cheap: an entry is
// reused when path, size, mtime and inode match AND a fast xxhash64 of the
// content still matches (so a change that keeps size and mtime, `touch -r`,
// is still seen). sha256 is what goes into cache keys; xxhash never is.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import xxhash from 'xxhash-wasm';
import type { ContextEntry, ContextSnapshot } from './context-paths.js';

export type { ContextEntry, ContextSnapshot } from './context-paths.js';

/** returns true when a context path (posix, relative) is excluded */
export type IgnoreMatcher = (relPath: string, isDir: boolean) => boolean;

interface CachedHash {
  size: number;
  mtimeMs: number;
  ino: number;
  xxh: string;
  sha256: string;
}

interface HashCacheFile {
  version: 1;
  files: Record<string, CachedHash>;
}

export interface ContextStats {
  files: number;
  /** files whose sha256 came from the cache */
  reused: number;
  /** files read and sha256-hashed */
  hashed: number;
  bytesRead: number;
}

export interface WalkOptions {
  ignore?: IgnoreMatcher;
  /** folder for the hash cache (under the store root); none → no cache */
  cacheDir?: string;
}

const bigFile = 8 * 1024 * 1024;

let xx: Awaited<ReturnType<typeof xxhash>> | undefined;
async function xxApi(): Promise<Awaited<ReturnType<typeof xxhash>>> {
  xx ??= await xxhash();
  return xx;
}

async function hashBoth(file: string, size: number, wantSha: boolean): Promise<{ xxh: string; sha256?: string }> {
  const api = await xxApi();
  if (size <= bigFile) {
    const buf = await readFile(file);
    return { xxh: api.h64Raw(buf).toString(16), sha256: wantSha ? `sha256:${createHash('sha256').update(buf).digest('hex')}` : undefined };
  }
  const h = api.create64();
  const sha = wantSha ? createHash('sha256') : undefined;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    sha?.update(chunk as Buffer);
  }
  return { xxh: h.digest().toString(16), sha256: sha ? `sha256:${sha.digest('hex')}` : undefined };
}

function cacheFileFor(cacheDir: string, root: string): string {
  return path.join(cacheDir, `${createHash('sha256').update(root).digest('hex').slice(0, 32)}.json`);
}

async function loadCache(file: string): Promise<Map<string, CachedHash>> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as HashCacheFile;
    if (parsed.version !== 1) return new Map();
    return new Map(Object.entries(parsed.files));
  } catch {
    return new Map();
  }
}

async function saveCache(file: string, files: Map<string, CachedHash>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const body: HashCacheFile = { version: 1, files: Object.fromEntries(files) };
  await writeFile(tmp, JSON.stringify(body));
  await rename(tmp, file);
}

/** every entry under `abs` (not `abs` itself) with its lstat, paths relative and posix; symlinks are not followed */
export async function walkTree(abs: string): Promise<{ path: string; stats: Stats }[]> {
  const out: { path: string; stats: Stats }[] = [];
  const visit = async (relDir: string): Promise<void> => {
    const names = await readdir(relDir ? path.join(abs, relDir) : abs);
    await Promise.all(
      names.map(async (name) => {
        const rel = relDir ? `${relDir}/${name}` : name;
        const stats = await lstat(path.join(abs, rel));
        out.push({ path: rel, stats });
        if (stats.isDirectory()) await visit(rel);
      }),
    );
  };
  await visit('');
  return out;
}

/**
 * Walks the context and hashes every file that is not ignored. A directory
 * that is itself ignored is kept when something inside it is re-included
 * (`!` exceptions), as Docker does.
 */
export async function snapshotContext(root: string, options: WalkOptions = {}): Promise<{ snapshot: ContextSnapshot; stats: ContextStats }> {
  const abs = path.resolve(root);
  const st = await lstat(abs).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`build context ${root} is not a folder`);
  const found = await walkTree(abs);
  const ignore = options.ignore ?? (() => false);
  const cacheFile = options.cacheDir ? cacheFileFor(options.cacheDir, abs) : undefined;
  const cache = cacheFile ? await loadCache(cacheFile) : new Map<string, CachedHash>();
  const nextCache = new Map<string, CachedHash>();
  const stats: ContextStats = { files: 0, reused: 0, hashed: 0, bytesRead: 0 };
  let cacheChanged = false;

  const entries: ContextEntry[] = [];
  const keepDirs = new Set<string>();
  const dirs: { rel: string; mode: number }[] = [];
  const work: Promise<void>[] = [];

  for (const e of found) {
    const rel = e.path;
    const s = e.stats;
    if (s.isDirectory()) {
      dirs.push({ rel, mode: s.mode & 0o7777 });
      continue;
    }
    if (ignore(rel, false)) continue;
    // every parent of a kept entry is kept
    for (let d = path.posix.dirname(rel); d !== '.'; d = path.posix.dirname(d)) {
      if (keepDirs.has(d)) break;
      keepDirs.add(d);
    }
    if (s.isSymbolicLink()) {
      work.push(
        readlink(path.join(abs, rel)).then((target) => {
          entries.push({ path: rel, type: 'symlink', mode: 0o777, size: 0, linkTarget: target });
        }),
      );
      continue;
    }
    if (!s.isFile()) continue; // sockets, fifos, devices are not part of a context
    stats.files++;
    work.push(
      (async () => {
        const full = path.join(abs, rel);
        const old = cache.get(rel);
        const sameStat = old && old.size === s.size && old.mtimeMs === s.mtimeMs && old.ino === s.ino;
        let h: { xxh: string; sha256?: string };
        if (sameStat) {
          h = await hashBoth(full, s.size, false);
          stats.bytesRead += s.size;
          if (h.xxh === old.xxh) {
            stats.reused++;
            h.sha256 = old.sha256;
          } else {
            h = await hashBoth(full, s.size, true);
            stats.hashed++;
            cacheChanged = true;
          }
        } else {
          h = await hashBoth(full, s.size, true);
          stats.bytesRead += s.size;
          stats.hashed++;
          cacheChanged = true;
        }
        const sha256 = h.sha256 as string;
        nextCache.set(rel, { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, xxh: h.xxh, sha256 });
        entries.push({ path: rel, type: 'file', mode: s.mode & 0o7777, size: s.size, sha256 });
      })(),
    );
  }
  await Promise.all(work);
  for (const d of dirs) {
    if (keepDirs.has(d.rel) || !ignore(d.rel, true)) entries.push({ path: d.rel, type: 'dir', mode: d.mode, size: 0 });
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // an unchanged context writes nothing (a fully cached rebuild stays read-only)
  if (cacheFile && (cacheChanged || nextCache.size !== cache.size)) await saveCache(cacheFile, nextCache);
  return { snapshot: { root: abs, entries, rootMode: st.mode & 0o7777 }, stats };
}
