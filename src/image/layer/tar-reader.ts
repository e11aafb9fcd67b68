// A streaming tar reader that keeps what the extractor needs and node-tar's
// parser drops: PAX SCHILY.xattr.* records with binary values. ustar fields
// are decoded by node-tar's Header; PAX and GNU long-name records here.
import { Header } from 'tar';
import { TsbuildError } from '../../errors.js';
import { BLOCK, padding } from './tar-format.js';

export interface TarReadEntry {
  path: string;
  /** node-tar's type name: File, OldFile, ContiguousFile, Directory, SymbolicLink, Link, CharacterDevice, BlockDevice, FIFO, … */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkpath: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
  /** the contents; must be read to the end or left alone (then it is skipped) */
  body: AsyncGenerator<Buffer>;
}

/** bytes from a stream, an async generator or (in memory) an array of buffers */
export type ByteInput = AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>;

export function toAsyncIterator(src: ByteInput): AsyncIterator<Buffer | Uint8Array | string> {
  if (Symbol.asyncIterator in src) return src[Symbol.asyncIterator]();
  const it = src[Symbol.iterator]();
  return { next: async () => it.next() };
}

class ByteSource {
  #it: AsyncIterator<Buffer>;
  #buf: Buffer = Buffer.alloc(0);
  constructor(src: ByteInput) {
    const inner = toAsyncIterator(src);
    this.#it = {
      next: async () => {
        const r = await inner.next();
        return r.done ? r : { done: false, value: Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value) };
      },
    };
  }
  /** exactly n bytes, or fewer at the end of the stream */
  async read(n: number): Promise<Buffer> {
    while (this.#buf.length < n) {
      const r = await this.#it.next();
      if (r.done) break;
      this.#buf = this.#buf.length === 0 ? r.value : Buffer.concat([this.#buf, r.value]);
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(out.length);
    return out;
  }
  /** up to n bytes as they arrive (at least 1 unless at the end) */
  async readSome(n: number): Promise<Buffer> {
    if (this.#buf.length === 0) {
      const r = await this.#it.next();
      if (r.done) return Buffer.alloc(0);
      this.#buf = r.value;
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(out.length);
    return out;
  }
}

function bad(message: string): TsbuildError {
  return new TsbuildError('image', 'LAYER_BAD_TAR', `invalid layer tar: ${message}`);
}

/** Parses PAX records into key → raw value (keys latin1, values as bytes). */
export function parsePax(body: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break;
    const space = body.indexOf(0x20, pos);
    if (space < 0) throw bad('malformed PAX record');
    const len = Number(body.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= space - pos || pos + len > body.length) throw bad('malformed PAX record length');
    const rec = body.subarray(space + 1, pos + len - 1); // without the trailing \n
    const eq = rec.indexOf(0x3d);
    if (eq < 0) throw bad('PAX record without =');
    out.set(rec.subarray(0, eq).toString('latin1'), rec.subarray(eq + 1));
    pos += len;
  }
  return out;
}

async function readBody(src: ByteSource, size: number, what: string): Promise<Buffer> {
  const b = await src.read(size + padding(size));
  if (b.length < size + padding(size)) throw bad(`truncated ${what}`);
  return b.subarray(0, size);
}

/** Yields the entries of a tar stream; each entry's body must be consumed before the next is requested (or is skipped). */
export async function* readTar(input: ByteInput): AsyncGenerator<TarReadEntry> {
  const src = new ByteSource(input);
  let pax = new Map<string, Buffer>();
  const globalPax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await src.read(BLOCK);
    if (block.length === 0) return; // no end-of-archive blocks: tolerated, as GNU tar does
    if (block.length < BLOCK) throw bad('truncated header');
    if (block.every((b) => b === 0)) return; // end of archive; what follows is padding
    const h = new Header(block);
    if (!h.cksumValid) throw bad(`bad header checksum after ${longName ?? h.path ?? 'the start'}`);
    const size = h.size ?? 0;
    const t = h.typeKey;
    if (t === 'x' || t === 'g') {
      const recs = parsePax(await readBody(src, size, 'PAX header'));
      for (const [k, v] of recs) (t === 'x' ? pax : globalPax).set(k, v);
      continue;
    }
    if (t === 'L' || t === 'K') {
      const v = (await readBody(src, size, 'GNU long name')).toString('utf8').replace(/\0.*$/s, '');
      if (t === 'L') longName = v;
      else longLink = v;
      continue;
    }
    const rec = new Map([...globalPax, ...pax]);
    const str = (k: string) => rec.get(k)?.toString('utf8');
    const num = (k: string, dflt: number) => {
      const v = str(k);
      return v === undefined ? dflt : Number(v);
    };
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of rec) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice('SCHILY.xattr.'.length), v);
    const entrySize = num('size', size);
    const mtimeDate = h.mtime ? h.mtime.getTime() / 1000 : 0;
    let remaining = ['Directory', 'SymbolicLink', 'Link', 'CharacterDevice', 'BlockDevice', 'FIFO'].includes(h.type) ? 0 : entrySize;
    const padTotal = padding(remaining);
    async function* body(): AsyncGenerator<Buffer> {
      while (remaining > 0) {
        const chunk = await src.readSome(remaining);
        if (chunk.length === 0) throw bad(`truncated contents of ${entry.path}`);
        remaining -= chunk.length;
        yield chunk;
      }
    }
    const entry: TarReadEntry = {
      path: str('path') ?? longName ?? h.path ?? '',
      type: h.type,
      mode: h.mode ?? 0,
      uid: num('uid', h.uid ?? 0),
      gid: num('gid', h.gid ?? 0),
      size: entrySize,
      mtime: Math.floor(num('mtime', mtimeDate)),
      linkpath: str('linkpath') ?? longLink ?? h.linkpath ?? '',
      devmajor: h.devmaj,
      devminor: h.devmin,
      xattrs,
      body: body(),
    };
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    yield entry;
    while (remaining > 0) {
      // the consumer left (part of) the contents: skip them
      const chunk = await src.readSome(remaining);
      if (chunk.length === 0) throw bad(`truncated contents of ${entry.path}`);
      remaining -= chunk.length;
    }
    const pad = await src.read(padTotal);
    if (pad.length < padTotal) throw bad(`truncated padding after ${entry.path}`);
  }
}
