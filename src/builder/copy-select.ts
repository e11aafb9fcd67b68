// Which files a COPY/ADD source selects, from a listing of the source tree
// (the context, or a stage's or image's root file system). Pure: the same
// selection feeds the cache key (content, mode, owner, link target of each
// file — never mtimes or absolute paths) and the copy itself.
import path from 'node:path';
import { ContextPathError, normalizeContextPath, resolveInContext, type ContextEntry } from './context-paths.js';
import { IgnoreMatcher } from '../parser/ignore.js';
import { compileGlob, hasGlob } from './glob.js';

export interface TreeEntry extends ContextEntry {
  uid?: number;
  gid?: number;
}

export interface SourceMatch {
  /** the source as written (after expansion) */
  source: string;
  /** the matched path in the tree, resolved ('' = the root) */
  root: string;
  /** --parents: the path kept under the destination ('' without --parents) */
  keep: string;
  type: TreeEntry['type'];
  /** the root ('' rel) and, for a folder, everything below it, sorted */
  items: { rel: string; entry: TreeEntry }[];
}

export class SourceError extends Error {}

export interface SelectOptions {
  excludes?: readonly string[];
  parents?: boolean;
}

function childrenOf(entries: Map<string, TreeEntry>, sorted: readonly string[], root: string): { rel: string; entry: TreeEntry }[] {
  const out: { rel: string; entry: TreeEntry }[] = [];
  if (root === '') {
    for (const p of sorted) out.push({ rel: p, entry: entries.get(p) as TreeEntry });
    return out;
  }
  const prefix = `${root}/`;
  // sorted paths: the subtree is contiguous after the root, but `a.b` sorts between `a` and `a/`; scan
  for (const p of sorted) if (p.startsWith(prefix)) out.push({ rel: p.slice(prefix.length), entry: entries.get(p) as TreeEntry });
  return out;
}

/**
 * Resolves each source (a path or a glob) to its matches. A missing path or
 * a glob that matches nothing is an error, as is a path that leaves the tree.
 */
export function selectSources(
  entries: Map<string, TreeEntry>,
  sources: readonly string[],
  rootDir: TreeEntry,
  options: SelectOptions = {},
): SourceMatch[] {
  const sorted = [...entries.keys()].sort();
  const ex = (options.excludes ?? []).length > 0 ? IgnoreMatcher.compile(options.excludes ?? []) : undefined;
  const excluded = (p: string): boolean => ex !== undefined && p !== '' && ex.matches(p);
  const out: SourceMatch[] = [];
  for (const source of sources) {
    let norm: string;
    try {
      norm = normalizeContextPath(source);
    } catch (err) {
      throw new SourceError((err as ContextPathError).message);
    }
    // --parents: a `/./` in the source marks where the kept path starts
    const pivot = options.parents ? pivotOf(source) : undefined;
    const roots: string[] = [];
    if (hasGlob(norm)) {
      const m = compileGlob(norm);
      for (const p of sorted) if (m(p)) roots.push(p);
      if (roots.length === 0) throw new SourceError(`${source}: no source files were specified (the pattern matches nothing)`);
    } else roots.push(norm);
    for (const r of roots) {
      let resolved: string;
      try {
        resolved = resolveInContext(entries, r, true);
      } catch (err) {
        throw new SourceError((err as Error).message);
      }
      const entry = resolved === '' ? rootDir : entries.get(resolved);
      if (!entry) throw new SourceError(`${source}: not found${r !== source ? ` (${r})` : ''}`);
      if (excluded(r)) continue;
      const items: { rel: string; entry: TreeEntry }[] = [{ rel: '', entry }];
      if (entry.type === 'dir') {
        for (const c of childrenOf(entries, sorted, resolved)) {
          if (excluded(r === '' ? c.rel : `${r}/${c.rel}`) || excluded(c.rel)) continue;
          items.push(c);
        }
      }
      let keep = '';
      if (options.parents) {
        keep = pivot !== undefined && r.startsWith(pivot.prefix) ? r.slice(pivot.prefix.length) : r;
        keep = keep.replace(/^\/+/, '');
      }
      out.push({ source, root: resolved, keep, type: entry.type, items });
    }
  }
  return out;
}

function pivotOf(source: string): { prefix: string } | undefined {
  const i = source.indexOf('/./');
  if (i === -1) return undefined;
  const before = normalizeContextPath(source.slice(0, i));
  return { prefix: before === '' ? '' : `${before}/` };
}

/** The part of each selected item that goes into a cache key. */
export function selectionDigestInput(matches: readonly SourceMatch[]): unknown[] {
  return matches.map((m) => [
    m.source,
    m.keep,
    m.type,
    m.items.map(({ rel, entry }) => [rel, entry.type, entry.mode, entry.uid ?? 0, entry.gid ?? 0, entry.sha256 ?? '', entry.linkTarget ?? '']),
  ]);
}

export interface CopyTarget {
  /** absolute destination in the image */
  dest: string;
  /** the user wrote a trailing slash, or there are several sources */
  destIsDir: boolean;
}

/**
 * Where each selected item lands (absolute image paths). `existingDir`
 * tells whether a destination path is a folder in the layers below.
 */
export function placeItems(
  matches: readonly SourceMatch[],
  target: CopyTarget,
  existingDir: (p: string) => boolean,
): { to: string; entry: TreeEntry; from: string }[] {
  const out: { to: string; entry: TreeEntry; from: string }[] = [];
  for (const m of matches) {
    const base = m.keep !== '' ? path.posix.join(target.dest, m.keep) : target.dest;
    if (m.type === 'dir') {
      for (const it of m.items) out.push({ to: it.rel === '' ? base : path.posix.join(base, it.rel), entry: it.entry, from: it.rel === '' ? m.root : joinRel(m.root, it.rel) });
      continue;
    }
    const item = m.items[0];
    if (!item) continue;
    let to: string;
    if (m.keep !== '') to = base;
    else if (target.destIsDir || existingDir(target.dest)) to = path.posix.join(target.dest, path.posix.basename(m.root || m.source));
    else to = target.dest;
    out.push({ to, entry: item.entry, from: m.root });
  }
  return out;
}

function joinRel(a: string, b: string): string {
  return a === '' ? b : `${a}/${b}`;
}
