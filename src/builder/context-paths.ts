// Pure lookups in a context snapshot: resolving a source path the way COPY
// does (symlinks followed inside the context), and refusing any path that
// leaves it — by `..`, or through a symlink that points out.
import path from 'node:path';

export interface ContextEntry {
  /** posix, relative to the context root, no leading `./` */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  /** permission bits (mode & 0o7777) */
  mode: number;
  size: number;
  linkTarget?: string;
  /** `sha256:…` of the content, for files */
  sha256?: string;
}

export interface ContextSnapshot {
  /** absolute path (used to read files, never put into a key) */
  root: string;
  /** sorted by path */
  entries: ContextEntry[];
  rootMode: number;
}

export class ContextPathError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

export function indexEntries(snapshot: ContextSnapshot): Map<string, ContextEntry> {
  return new Map(snapshot.entries.map((e) => [e.path, e]));
}

/**
 * Normalises a user path against the context root: `./a/../b` → `b`, `/x` →
 * `x`, `.` → ''. Refuses a path that climbs out of the context.
 */
export function normalizeContextPath(p: string): string {
  const joined = path.posix.normalize(`/${p}`);
  // a leading `/` makes normalize clamp `..` at the root, so compare the raw walk
  let depth = 0;
  for (const part of p.split('/')) {
    if (part === '..') depth--;
    else if (part !== '' && part !== '.') depth++;
    if (depth < 0) throw new ContextPathError(p, `${p}: path is outside the build context`);
  }
  const out = joined.replace(/\/+$/, '');
  return out === '' ? '' : out.slice(1);
}

/**
 * Follows symlinks in every component of `rel` inside the context. Returns
 * the resolved path ('' for the root) or throws when a link points out.
 */
export function resolveInContext(entries: Map<string, ContextEntry>, rel: string, followLast = true): string {
  let parts = rel === '' ? [] : rel.split('/');
  let resolved: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift() as string;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (resolved.length === 0) throw new ContextPathError(rel, `${rel}: path is outside the build context`);
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part].join('/');
    const e = entries.get(candidate);
    if (e?.type === 'symlink' && (followLast || parts.length > 0)) {
      if (++hops > 40) throw new ContextPathError(rel, `${rel}: too many levels of symbolic links`);
      const target = e.linkTarget ?? '';
      if (target.startsWith('/')) {
        throw new ContextPathError(rel, `${rel}: symbolic link ${candidate} -> ${target} points outside the build context`);
      }
      // re-walk the target relative to the link's folder; leaving the root is an escape
      let depth = resolved.length;
      for (const t of target.split('/')) {
        if (t === '..') depth--;
        else if (t !== '' && t !== '.') depth++;
        if (depth < 0) throw new ContextPathError(rel, `${rel}: symbolic link ${candidate} -> ${target} points outside the build context`);
      }
      parts = [...target.split('/'), ...parts];
      continue;
    }
    resolved = [...resolved, part];
  }
  return resolved.join('/');
}
