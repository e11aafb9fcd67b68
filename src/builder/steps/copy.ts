// COPY and ADD: the selected sources are copied into a fresh directory at
// their destination paths — no container — and that directory becomes the
// step's layer. Parent folders that exist below keep their mode, owner and
// mtime; new ones are 0755 root. Docker's rules: a folder source copies its
// contents, a file goes into a folder destination (trailing slash, several
// sources, or an existing folder) under its own name. ADD extracts local tar
// archives (detected from their content) and fetches http(s) URLs, checking
// --checksum.
import { createHash } from 'node:crypto';
import { open, copyFile, chmod, lchown, lstat, lutimes, mkdir, readlink, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import * as tar from 'tar';
import { TsbuildError } from '../../errors.js';
import { readRootfsFile } from '../../runtime/rootfs-files.js';
import type { ContextSnapshot } from '../context-paths.js';
import { placeItems, selectSources, SourceError, type TreeEntry } from '../copy-select.js';
import type { CopyOp, PlannedStep } from '../plan-types.js';
import { lookupInLayers } from '../rootfs.js';
import { applySymbolicMode } from './chmod.js';
import { ChownError, resolveChown } from './chown.js';
import { describeFetchError, verifiedFetch, type HttpGet } from '../../image/registry/transport.js';

export type CopySource = { kind: 'context'; snapshot: ContextSnapshot } | { kind: 'tree'; dir: string };

export interface CopyRequest {
  op: CopyOp;
  step: PlannedStep;
  /** the destination stage's layers, topmost first */
  parentDirs: string[];
  source: CopySource;
  /** the fresh directory to fill (the future layer) */
  layerDir: string;
  /** fetch for ADD URLs (tests hand in their own) */
  fetch?: HttpGet;
  /** the store's blob of an ADD URL fetched while planning (undefined: gone, fetch again) */
  readBlob?: (digest: string) => Promise<Buffer | undefined>;
}

function stepError(step: PlannedStep, message: string, cause?: unknown): TsbuildError {
  return new TsbuildError('build', 'COPY_FAILED', `${step.range.file}:${step.range.start.line}: ${step.label}: ${message}`, { ranges: [step.range], cause });
}

/** lists a directory tree as TreeEntries (owners kept), root excluded */
async function listTree(dir: string): Promise<{ entries: Map<string, TreeEntry>; root: TreeEntry }> {
  const found = await fg('**', { cwd: dir, dot: true, onlyFiles: false, followSymbolicLinks: false, stats: true });
  const entries = new Map<string, TreeEntry>();
  await Promise.all(
    found.map(async (e) => {
      const s = e.stats;
      if (!s) return;
      const type = s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : s.isFile() ? 'file' : undefined;
      if (!type) return;
      if (s.isCharacterDevice() && s.rdev === 0) return; // a whiteout
      const entry: TreeEntry = { path: e.path, type, mode: s.mode & 0o7777, size: s.size, uid: s.uid, gid: s.gid };
      if (type === 'symlink') entry.linkTarget = await readlink(path.join(dir, e.path));
      entries.set(e.path, entry);
    }),
  );
  const rs = await lstat(dir);
  return { entries, root: { path: '', type: 'dir', mode: rs.mode & 0o7777, size: 0, uid: rs.uid, gid: rs.gid } };
}

async function isTarArchive(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await fh.read(buf, 0, 512, 0);
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return true; // gzip: node-tar reads it
    return bytesRead >= 262 && buf.subarray(257, 262).toString('latin1') === 'ustar';
  } finally {
    await fh.close();
  }
}

export async function runCopy(req: CopyRequest): Promise<void> {
  const { op, step, parentDirs, layerDir } = req;
  const L = (abs: string): string => path.join(layerDir, abs);
  const created = new Set<string>();

  let owner: { uid: number; gid: number } | undefined;
  if (op.chown !== undefined) {
    const [passwd, group] = await Promise.all([readRootfsFile(parentDirs, '/etc/passwd'), readRootfsFile(parentDirs, '/etc/group')]);
    try {
      owner = resolveChown(op.chown, passwd, group);
    } catch (err) {
      if (err instanceof ChownError) throw stepError(step, err.message, err);
      throw err;
    }
  }

  /** creates the folders above `abs` in the layer, copying their metadata from below */
  const ensureParents = async (abs: string): Promise<void> => {
    const parts = abs.split('/').filter(Boolean);
    let cur = '';
    for (const part of parts.slice(0, -1)) {
      cur += `/${part}`;
      if (created.has(cur)) continue;
      const below = await lookupInLayers(parentDirs, cur);
      if (below && !below.isDirectory()) {
        throw stepError(step, `cannot copy to ${abs}: ${cur} is ${below.isSymbolicLink() ? 'a symbolic link' : 'not a directory'} in the image`);
      }
      await mkdir(L(cur), { recursive: true });
      if (below) {
        await chmod(L(cur), below.mode & 0o7777);
        await lchown(L(cur), below.uid, below.gid);
        await lutimes(L(cur), below.atime, below.mtime);
      } else {
        // a folder the copy creates belongs to the --chown owner, as BuildKit makes
        // it (with --link every folder above the destination is new in the layer,
        // and so replaces the base's)
        const o = owner ?? { uid: 0, gid: 0 };
        await chmod(L(cur), 0o755);
        await lchown(L(cur), o.uid, o.gid);
      }
      created.add(cur);
    }
  };

  const own = (e?: TreeEntry): { uid: number; gid: number } => owner ?? (req.source.kind === 'tree' && e ? { uid: e.uid ?? 0, gid: e.gid ?? 0 } : { uid: 0, gid: 0 });
  const modeOf = (base: number, isDir: boolean): number =>
    op.chmod === undefined ? base : typeof op.chmod === 'number' ? op.chmod : applySymbolicMode(base, op.chmod, isDir);
  const mode = (e: TreeEntry): number => (e.type === 'symlink' ? e.mode : modeOf(e.mode, e.type === 'dir'));

  const placeDir = async (to: string, e: TreeEntry, srcHost?: string): Promise<void> => {
    await ensureParents(to);
    if (!created.has(to)) {
      await mkdir(L(to), { recursive: true });
      created.add(to);
    }
    const below = to === op.dest ? await lookupInLayers(parentDirs, to) : undefined;
    if (below?.isDirectory() && op.chmod === undefined && op.chown === undefined) {
      await chmod(L(to), below.mode & 0o7777);
      await lchown(L(to), below.uid, below.gid);
      await lutimes(L(to), below.atime, below.mtime);
      return;
    }
    const o = own(e);
    await chmod(L(to), mode(e));
    await lchown(L(to), o.uid, o.gid);
    if (srcHost) {
      const st = await lstat(srcHost);
      await lutimes(L(to), st.atime, st.mtime);
    }
  };

  const placeFile = async (to: string, e: TreeEntry, srcHost: string): Promise<void> => {
    await ensureParents(to);
    const o = own(e);
    if (e.type === 'symlink') {
      await symlink(e.linkTarget ?? '', L(to));
    } else {
      await copyFile(srcHost, L(to));
      await chmod(L(to), mode(e));
    }
    await lchown(L(to), o.uid, o.gid);
    const st = await lstat(srcHost);
    await lutimes(L(to), st.atime, st.mtime);
  };

  // ---- local sources
  if (op.sources.length > 0) {
    const tree =
      req.source.kind === 'context'
        ? {
            entries: new Map<string, TreeEntry>(req.source.snapshot.entries.map((e) => [e.path, e])),
            root: { path: '', type: 'dir', mode: req.source.snapshot.rootMode, size: 0 } as TreeEntry,
            base: req.source.snapshot.root,
          }
        : { ...(await listTree(req.source.dir)), base: req.source.dir };
    let matches;
    try {
      matches = selectSources(tree.entries, op.sources, tree.root, { excludes: op.excludes, parents: op.parents });
    } catch (err) {
      if (err instanceof SourceError) throw stepError(step, err.message, err);
      throw err;
    }
    const destBelow = await lookupInLayers(parentDirs, op.dest);
    const destIsDir = op.destIsDir || !!destBelow?.isDirectory();
    for (const m of matches) {
      // ADD: a local tar archive is extracted into the destination folder
      if (op.add && req.source.kind === 'context' && m.type === 'file' && (await isTarArchive(path.join(tree.base, m.root)))) {
        const to = op.dest;
        await placeDir(to, { path: '', type: 'dir', mode: 0o755, size: 0 });
        await tar.x({ file: path.join(tree.base, m.root), cwd: L(to), preserveOwner: true, strict: true });
        continue;
      }
      for (const item of placeItems([m], { dest: op.dest, destIsDir }, () => destIsDir)) {
        const host = item.from === '' ? tree.base : path.join(tree.base, item.from);
        if (item.entry.type === 'dir') await placeDir(item.to, item.entry, host);
        else await placeFile(item.to, item.entry, host);
      }
    }
  }

  // ---- ADD git repositories: checked out at the commit planned, their contents copied into the folder
  for (const [i, g] of (op.gits ?? []).entries()) {
    if (g.commit === undefined) throw new TsbuildError('internal', 'INTERNAL', `ADD ${g.remote}: planned without a commit`);
    const { checkoutGit } = await import('../git-checkout.js');
    let dir: string;
    try {
      dir = await checkoutGit(g, g.commit, path.join(path.dirname(layerDir), `git-${i}`), g.keepGitDir);
    } catch (err) {
      throw stepError(step, (err as Error).message, err);
    }
    const tree = await listTree(dir);
    const matches = selectSources(tree.entries, ['.'], tree.root, { excludes: op.excludes });
    for (const item of placeItems(matches, { dest: op.dest, destIsDir: true }, () => true)) {
      const host = item.from === '' ? dir : path.join(dir, item.from);
      const e: TreeEntry = { ...item.entry, uid: 0, gid: 0 };
      if (e.type === 'dir') await placeDir(item.to, e, host);
      else await placeFile(item.to, e, host);
    }
  }

  // ---- heredoc files
  for (const h of op.heredocs) {
    const to = op.destIsDir ? path.posix.join(op.dest, h.name) : op.dest;
    await ensureParents(to);
    await writeFile(L(to), h.content);
    await chmod(L(to), modeOf(h.mode, false));
    const o = owner ?? { uid: 0, gid: 0 };
    await lchown(L(to), o.uid, o.gid);
  }

  // ---- ADD URLs
  for (const u of op.urls) {
    const f = req.fetch ?? verifiedFetch;
    let body = u.digest !== undefined ? await req.readBlob?.(u.digest) : undefined;
    if (body === undefined) {
      try {
        const res = await f(u.url);
        if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
        body = Buffer.from(await res.arrayBuffer());
      } catch (err) {
        throw stepError(step, `cannot fetch ${u.url}: ${describeFetchError(err)}`, err);
      }
    }
    const got = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (u.checksum !== undefined && got !== u.checksum) throw stepError(step, `${u.url}: checksum mismatch: expected ${u.checksum}, got ${got}`);
    // keyed by the content it served when planned: it must still be that
    if (u.digest !== undefined && got !== u.digest) throw stepError(step, `${u.url}: the content changed during the build (planned ${u.digest}, got ${got})`);
    const name = path.posix.basename(new URL(u.url).pathname) || 'index.html';
    const to = op.destIsDir ? path.posix.join(op.dest, name) : op.dest;
    await ensureParents(to);
    await writeFile(L(to), body);
    await chmod(L(to), modeOf(0o600, false));
    const o = owner ?? { uid: 0, gid: 0 };
    await lchown(L(to), o.uid, o.gid);
  }
}
