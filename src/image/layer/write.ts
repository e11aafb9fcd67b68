// The deterministic layer writer: a directory → an uncompressed tar stream
// whose bytes depend only on paths, contents, modes, owners, (clamped) mtimes,
// link structure and the kept xattrs — never on readdir order, atime, ctime,
// user names or the wall clock. sha256 (the diffID) is computed as it streams.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { readlinkSync } from 'node:fs';
import { lutimes, open } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { TsbuildError } from '../../errors.js';
import { TarAssembler, type AssemblyJob } from './tar-assembler.js';
import { treeXattrs, type Xattrs } from './native.js';
import { encodeHeaders, type TarEntryMeta } from './tar-format.js';
import { splitDev, walkTree, type WalkEntry } from './walk.js';
import { OPAQUE_MARKER, WHITEOUT_PREFIX, keepXattr, isOverlayOpaque } from './whiteout.js';

export interface WriteLayerOptions {
  /** clamp every mtime to at most this many seconds since the epoch (SOURCE_DATE_EPOCH) */
  sourceDateEpoch?: number;
  /** the directory is an overlay upper dir: 0/0 char devices → .wh.NAME, opaque dirs → .wh..wh..opq */
  fromUpper?: boolean;
  /** after writing, set each entry's on-disk atime+mtime to the value written in the tar */
  rewriteMtimes?: boolean;
  /** read xattrs (security.capability, user.*); default true */
  xattrs?: boolean;
}

export interface LayerDigest {
  /** sha256:<hex> of the uncompressed tar */
  diffId: string;
  size: number;
}

interface PlannedEntry {
  meta: TarEntryMeta;
  /** file to read the contents from (regular files only) */
  source?: string;
  /** where to rewrite the mtime afterwards */
  disk?: string;
}

const CHUNK = 1 << 20;

function clamp(st: WalkEntry['st'], epoch: number | undefined): number {
  const secs = Number(st.mtimeNs / 1_000_000_000n) - (st.mtimeNs < 0n && st.mtimeNs % 1_000_000_000n !== 0n ? 1 : 0);
  return epoch === undefined ? secs : Math.min(secs, epoch);
}

/** Turns the walked tree into the exact list of tar entries, in order. */
async function plan(dir: string, opts: WriteLayerOptions): Promise<PlannedEntry[]> {
  const wantXattrs = opts.xattrs ?? true;
  // the helper reads the xattrs of the whole tree while this thread walks it
  const xattrs = wantXattrs || opts.fromUpper ? treeXattrs(dir) : Promise.resolve(new Map<string, Xattrs>());
  xattrs.catch(() => undefined); // awaited below; a walk error must not leave it unhandled
  const entries = await walkTree(dir);
  const byPath = await xattrs;
  const firstPath = new Map<string, string>();
  const out: PlannedEntry[] = [];
  for (const e of entries) {
    const st = e.st;
    if (st.isSocket()) continue; // a tar cannot represent sockets: left out, as tar and docker do
    if (path.posix.basename(e.rel).startsWith(WHITEOUT_PREFIX)) {
      // would read as a whiteout to every consumer of the layer
      throw new TsbuildError('image', 'LAYER_RESERVED_NAME', `cannot put ${e.abs} in a layer: names starting with '${WHITEOUT_PREFIX}' are reserved for whiteouts`);
    }
    const all = byPath.get(e.rel);
    const kept = wantXattrs && all ? new Map([...all].filter(([name]) => keepXattr(name))) : undefined;
    const base = {
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: 0,
      mtime: clamp(st, opts.sourceDateEpoch),
      ...(kept && kept.size > 0 ? { xattrs: kept } : {}),
    };
    const dev = splitDev(st.rdev);
    if (opts.fromUpper && st.isCharacterDevice() && dev.major === 0 && dev.minor === 0) {
      const slash = e.rel.lastIndexOf('/');
      const name = e.rel.slice(0, slash + 1) + WHITEOUT_PREFIX + e.rel.slice(slash + 1);
      out.push({ meta: { ...base, path: name, type: 'File', mode: 0o600, xattrs: undefined }, disk: e.abs });
      continue;
    }
    if (st.isDirectory()) {
      out.push({ meta: { ...base, path: `${e.rel}/`, type: 'Directory' }, disk: e.abs });
      if (opts.fromUpper && all && isOverlayOpaque(all)) {
        out.push({ meta: { ...base, path: `${e.rel}/${OPAQUE_MARKER}`, type: 'File', mode: 0o600, xattrs: undefined } });
      }
      continue;
    }
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = firstPath.get(key);
      if (first !== undefined) {
        out.push({ meta: { ...base, path: e.rel, type: 'Link', linkpath: first, xattrs: undefined } });
        continue;
      }
      firstPath.set(key, e.rel);
    }
    if (st.isFile()) out.push({ meta: { ...base, path: e.rel, type: 'File', size: Number(st.size) }, source: e.abs, disk: e.abs });
    else if (st.isSymbolicLink()) out.push({ meta: { ...base, path: e.rel, type: 'SymbolicLink', linkpath: '' }, source: e.abs, disk: e.abs });
    else if (st.isCharacterDevice()) out.push({ meta: { ...base, path: e.rel, type: 'CharacterDevice', devmajor: dev.major, devminor: dev.minor }, disk: e.abs });
    else if (st.isBlockDevice()) out.push({ meta: { ...base, path: e.rel, type: 'BlockDevice', devmajor: dev.major, devminor: dev.minor }, disk: e.abs });
    else if (st.isFIFO()) out.push({ meta: { ...base, path: e.rel, type: 'FIFO' }, disk: e.abs });
  }
  // whiteout and opaque entries were inserted next to their originals: restore the global byte order
  const keys = new Map(out.map((p) => [p, Buffer.from(p.meta.path.replace(/\/$/, ''))]));
  out.sort((a, b) => Buffer.compare(keys.get(a)!, keys.get(b)!));
  return out;
}

function changed(p: string, why: string): TsbuildError {
  return new TsbuildError('image', 'LAYER_SOURCE_CHANGED', `${p} changed while it was written to a layer: ${why}`);
}

function readError(what: string, p: string, err: unknown): TsbuildError {
  return new TsbuildError('image', 'LAYER_READ', `cannot ${what} ${p}: ${(err as Error).message}`, { cause: err });
}

/** The planned entries and what the assembler needs for each. */
async function prepare(dir: string, opts: WriteLayerOptions): Promise<{ entries: PlannedEntry[]; jobs: AssemblyJob[] }> {
  const entries = await plan(dir, opts);
  const jobs: AssemblyJob[] = entries.map((p) => {
    const meta = p.meta;
    if (meta.type === 'SymbolicLink') {
      try {
        meta.linkpath = readlinkSync(p.source!);
      } catch (err) {
        throw readError('read the symlink', p.source!, err);
      }
    }
    const withContents = meta.type === 'File' && meta.size > 0 && p.source !== undefined;
    return { header: encodeHeaders(meta), size: meta.size, ...(withContents ? { path: p.source! } : {}) };
  });
  return { entries, jobs };
}

async function rewriteMtimes(entries: readonly PlannedEntry[]): Promise<void> {
  for (const p of entries) {
    if (!p.disk) continue;
    const t = p.meta.mtime;
    try {
      await lutimes(p.disk, t, t);
    } catch (err) {
      throw new TsbuildError('image', 'LAYER_WRITE', `cannot set the mtime of ${p.disk}: ${(err as Error).message}`, { cause: err });
    }
  }
}

function assemblyError(m: { error: string; code?: string; path: string }): TsbuildError {
  if (m.code === 'SHORT') return changed(m.path, m.error);
  if (m.code === 'OUTPUT') return new TsbuildError('image', 'LAYER_WRITE', m.error);
  return new TsbuildError('image', 'LAYER_READ', `cannot read ${m.path}: ${m.error}`);
}

/** Every chunk of the layer tar, hashing as it goes; `digest` is filled at the end. */
async function* layerChunks(dir: string, opts: WriteLayerOptions, digest: { value?: LayerDigest }): AsyncGenerator<Buffer> {
  const { entries, jobs } = await prepare(dir, opts);
  const hash = createHash('sha256');
  let size = 0;
  const assembler = new TarAssembler(jobs);
  try {
    for (;;) {
      const m = await assembler.next();
      if ('error' in m) throw assemblyError(m);
      if (!('buf' in m)) continue;
      const chunk = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.length);
      hash.update(chunk);
      size += chunk.length;
      if (chunk.length > 0) yield chunk;
      if (m.end) break;
    }
  } finally {
    await assembler.close();
  }
  if (opts.rewriteMtimes) await rewriteMtimes(entries);
  digest.value = { diffId: `sha256:${hash.digest('hex')}`, size };
}

/** Assembles with recycled buffers: only hashed, or also written to `fd` by the worker. */
async function assembleRecycled(dir: string, opts: WriteLayerOptions, fd: number | undefined): Promise<LayerDigest> {
  const { entries, jobs } = await prepare(dir, opts);
  const hash = createHash('sha256');
  let size = 0;
  const assembler = new TarAssembler(jobs, { recycle: true, ...(fd === undefined ? {} : { outFd: fd }) });
  try {
    for (;;) {
      const m = await assembler.next();
      if ('error' in m) throw assemblyError(m);
      if ('done' in m) break;
      hash.update(m.buf);
      size += m.buf.length;
      assembler.release(m.buf);
    }
  } finally {
    await assembler.close();
  }
  if (opts.rewriteMtimes) await rewriteMtimes(entries);
  return { diffId: `sha256:${hash.digest('hex')}`, size };
}

/** The diffID and size of the layer `dir` would give, without keeping the bytes. */
export function layerDigest(dir: string, opts: WriteLayerOptions = {}): Promise<LayerDigest> {
  return assembleRecycled(dir, opts, undefined);
}

/**
 * Writes the layer tar to `file` (created or truncated; not fsynced — the
 * store does that before its rename) and returns its diffID and size. The
 * fastest way to commit: the bytes are read, hashed and written with no
 * allocation per MiB and no copy through a stream.
 */
export async function writeLayerFile(dir: string, file: string, opts: WriteLayerOptions = {}): Promise<LayerDigest> {
  let fh;
  try {
    fh = await open(file, 'w', 0o644);
  } catch (err) {
    throw new TsbuildError('image', 'LAYER_WRITE', `cannot create ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return await assembleRecycled(dir, opts, fh.fd);
  } finally {
    await fh.close();
  }
}

/** A readable tar stream of the layer; `done` resolves with its digest once the stream has been read to the end. */
export function layerStream(dir: string, opts: WriteLayerOptions = {}): { stream: Readable; done: Promise<LayerDigest> } {
  const digest: { value?: LayerDigest } = {};
  const stream = Readable.from(layerChunks(dir, opts, digest), { objectMode: false, highWaterMark: 4 * CHUNK });
  const done = new Promise<LayerDigest>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('end', () => (digest.value ? resolve(digest.value) : reject(new Error('layer stream ended early'))));
  });
  return { stream, done };
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
    out.on('error', done);
  });
}

/**
 * Writes the layer of `dir` to `out` (respecting backpressure; `out` is not
 * ended) and returns its diffID and size.
 */
export async function writeLayer(dir: string, out: Writable, opts: WriteLayerOptions = {}): Promise<LayerDigest> {
  const digest: { value?: LayerDigest } = {};
  let failed: unknown;
  const onError = (err: unknown) => (failed ??= err);
  out.on('error', onError);
  try {
    for await (const chunk of layerChunks(dir, opts, digest)) {
      if (failed) throw failed;
      if (!out.write(chunk)) {
        await drained(out);
        if (failed) throw failed;
      }
    }
  } finally {
    out.off('error', onError);
  }
  if (!digest.value) throw new TsbuildError('internal', 'INTERNAL', 'layer writer finished without a digest');
  return digest.value;
}
