// The deterministic layer writer: a directory → an uncompressed tar stream
// whose bytes depend only on paths, contents, modes, owners, (clamped) mtimes,
// link structure and the kept xattrs — never on readdir order, atime, ctime,
// user names or the wall clock. sha256 (the diffID) is computed as it streams.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, readlinkSync } from 'node:fs';
import { lutimes } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { TsbuildError } from '../../errors.js';
import { readXattrs, type Xattrs } from './native.js';
import { BLOCK, encodeHeaders, padding, type TarEntryMeta } from './tar-format.js';
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

const SMALL_FILE = 1 << 20;
const CHUNK = 1 << 20;
/** bytes read synchronously before the event loop gets a turn */
const YIELD_EVERY = 8 << 20;

function clamp(st: WalkEntry['st'], epoch: number | undefined): number {
  const secs = Number(st.mtimeNs / 1_000_000_000n) - (st.mtimeNs < 0n && st.mtimeNs % 1_000_000_000n !== 0n ? 1 : 0);
  return epoch === undefined ? secs : Math.min(secs, epoch);
}

/** Turns the walked tree into the exact list of tar entries, in order. */
async function plan(dir: string, opts: WriteLayerOptions): Promise<PlannedEntry[]> {
  const entries = await walkTree(dir);
  const wantXattrs = opts.xattrs ?? true;
  const attrs = wantXattrs || opts.fromUpper ? await readXattrs(entries.map((e) => e.abs)) : new Map<number, Xattrs>();
  const firstPath = new Map<string, string>();
  const out: PlannedEntry[] = [];
  entries.forEach((e, i) => {
    const st = e.st;
    const all = attrs.get(i);
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
      return;
    }
    if (st.isDirectory()) {
      out.push({ meta: { ...base, path: `${e.rel}/`, type: 'Directory' }, disk: e.abs });
      if (opts.fromUpper && all && isOverlayOpaque(all)) {
        out.push({ meta: { ...base, path: `${e.rel}/${OPAQUE_MARKER}`, type: 'File', mode: 0o600, xattrs: undefined } });
      }
      return;
    }
    if (st.nlink > 1n) {
      const key = `${st.dev}:${st.ino}`;
      const first = firstPath.get(key);
      if (first !== undefined) {
        out.push({ meta: { ...base, path: e.rel, type: 'Link', linkpath: first, xattrs: undefined } });
        return;
      }
      firstPath.set(key, e.rel);
    }
    if (st.isFile()) out.push({ meta: { ...base, path: e.rel, type: 'File', size: Number(st.size) }, source: e.abs, disk: e.abs });
    else if (st.isSymbolicLink()) out.push({ meta: { ...base, path: e.rel, type: 'SymbolicLink', linkpath: '' }, source: e.abs, disk: e.abs });
    else if (st.isCharacterDevice()) out.push({ meta: { ...base, path: e.rel, type: 'CharacterDevice', devmajor: dev.major, devminor: dev.minor }, disk: e.abs });
    else if (st.isBlockDevice()) out.push({ meta: { ...base, path: e.rel, type: 'BlockDevice', devmajor: dev.major, devminor: dev.minor }, disk: e.abs });
    else if (st.isFIFO()) out.push({ meta: { ...base, path: e.rel, type: 'FIFO' }, disk: e.abs });
    // sockets cannot be represented in a tar and are left out, as tar and docker do
  });
  // whiteout and opaque entries were inserted next to their originals: restore the global byte order
  const keys = new Map(out.map((p) => [p, Buffer.from(p.meta.path.replace(/\/$/, ''))]));
  out.sort((a, b) => Buffer.compare(keys.get(a)!, keys.get(b)!));
  return out;
}

function changed(p: string, why: string): TsbuildError {
  return new TsbuildError('image', 'LAYER_SOURCE_CHANGED', `${p} changed while it was written to a layer: ${why}`);
}

function readExactly(source: string, fd: number, into: Buffer, offset: number, length: number, position: number): void {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, into, offset + done, length - done, position + done);
    if (n === 0) throw changed(source, `expected ${position + length} bytes, found ${position + done}`);
    done += n;
  }
}

function readError(what: string, p: string, err: unknown): TsbuildError {
  return new TsbuildError('image', 'LAYER_READ', `cannot ${what} ${p}: ${(err as Error).message}`, { cause: err });
}

/**
 * The tar bytes of one entry. File contents are read with synchronous calls
 * on this thread: one open, one read per MiB, one close per file, and no
 * thread-pool round trips (which dominate on a loaded machine); the caller
 * yields to the event loop between batches.
 */
function* entryChunks(p: PlannedEntry): Generator<Buffer> {
  const meta = p.meta;
  if (meta.type === 'SymbolicLink') {
    try {
      meta.linkpath = readlinkSync(p.source!);
    } catch (err) {
      throw readError('read the symlink', p.source!, err);
    }
    yield encodeHeaders(meta);
    return;
  }
  if (meta.type !== 'File' || meta.size === 0 || !p.source) {
    yield encodeHeaders(meta);
    return;
  }
  const header = encodeHeaders(meta);
  let fd: number;
  try {
    fd = openSync(p.source, 'r');
  } catch (err) {
    throw readError('open', p.source, err);
  }
  try {
    const size = meta.size;
    const pad = padding(size);
    if (size <= SMALL_FILE) {
      // header + contents + padding in one buffer: one read, one chunk
      const buf = Buffer.allocUnsafe(header.length + size + pad);
      header.copy(buf, 0);
      readExactly(p.source, fd, buf, header.length, size, 0);
      buf.fill(0, header.length + size);
      yield buf;
      return;
    }
    yield header;
    for (let pos = 0; pos < size; pos += CHUNK) {
      const n = Math.min(CHUNK, size - pos);
      const last = pos + n === size;
      const buf = Buffer.allocUnsafe(n + (last ? pad : 0));
      readExactly(p.source, fd, buf, 0, n, pos);
      if (last) buf.fill(0, n);
      yield buf;
    }
  } catch (err) {
    if (err instanceof TsbuildError) throw err;
    throw readError('read', p.source, err);
  } finally {
    closeSync(fd);
  }
}

/** Every chunk of the layer tar, hashing as it goes; `digest` is filled at the end. */
async function* layerChunks(dir: string, opts: WriteLayerOptions, digest: { value?: LayerDigest }): AsyncGenerator<Buffer> {
  const entries = await plan(dir, opts);
  const hash = createHash('sha256');
  let size = 0;
  let sinceYield = 0;
  for (const p of entries) {
    for (const chunk of entryChunks(p)) {
      hash.update(chunk);
      size += chunk.length;
      sinceYield += chunk.length;
      yield chunk;
    }
    if (sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  const end = Buffer.alloc(2 * BLOCK);
  hash.update(end);
  size += end.length;
  yield end;
  if (opts.rewriteMtimes) {
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
  digest.value = { diffId: `sha256:${hash.digest('hex')}`, size };
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
