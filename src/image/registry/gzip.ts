// Deterministic, parallel gzip for pushing layers: the tar is cut into
// fixed-size blocks, each compressed as an independent gzip member on
// libuv's thread pool (zlib's async API), and the members are written in
// order. Concatenated members are a valid gzip stream (RFC 1952 §2.2) that
// every gunzip reads; the same input always gives the same bytes (zlib's
// header carries no time or name here), so pushing twice gives one digest.
// How hard each block is worked is decided from three small samples of it,
// so the choice is a function of the bytes alone: a block that does not
// compress at all (already compressed files, random data) is stored (level
// 0); a block where LZ77 finds nothing that Huffman coding alone does not
// (high-entropy text such as base64) is Huffman-coded only; every other
// block gets zlib's level 6.
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzipAsync = promisify(zlib.gzip);

/** Part of the digest's definition: changing these changes pushed digests. */
export const gzipBlockSize = 4 * 1024 * 1024;
export const gzipLevel = 6;
const sampleSize = 32 * 1024;
/** a sample that deflates to more than this share of its size counts as incompressible */
const incompressibleRatio = 0.97;
/** libuv runs zlib's async work on its thread pool (4 threads unless UV_THREADPOOL_SIZE says otherwise) */
const inFlight = Math.max(4, Math.min(availableParallelism() * 2, Number(process.env.UV_THREADPOOL_SIZE) || 4));

export interface MemberOptions {
  level: number;
  strategy: number;
}

/** a sample that LZ77 makes no smaller than this share of its Huffman-only size gains nothing from LZ77 */
const lzGainless = 0.98;

/**
 * How a block is compressed: stored when samples from its start, middle and
 * end all fail to shrink, Huffman-only when LZ77 gains nothing on any of
 * them, else level 6. Pure and cheap (about 2 % of the block is deflated
 * twice, fast).
 */
export function memberOptions(block: Uint8Array): MemberOptions {
  const normal = { level: gzipLevel, strategy: zlib.constants.Z_DEFAULT_STRATEGY };
  if (block.length < 4 * sampleSize) return normal;
  let stored = true;
  for (const at of [0, Math.floor(block.length / 2) - sampleSize / 2, block.length - sampleSize]) {
    const sample = block.subarray(at, at + sampleSize);
    const lz = zlib.deflateRawSync(sample, { level: 1 }).length;
    const huff = zlib.deflateRawSync(sample, { level: 1, strategy: zlib.constants.Z_HUFFMAN_ONLY }).length;
    if (lz < huff * lzGainless) return normal;
    if (Math.min(lz, huff) <= sample.length * incompressibleRatio) stored = false;
  }
  return stored ? { level: 0, strategy: zlib.constants.Z_DEFAULT_STRATEGY } : { level: gzipLevel, strategy: zlib.constants.Z_HUFFMAN_ONLY };
}

/** Cuts a stream of chunks into blocks of exactly `size` bytes (the last may be shorter). */
export async function* blocks(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let have = 0;
  for await (const c of source) {
    let chunk = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    while (chunk.length > 0) {
      const take = Math.min(size - have, chunk.length);
      parts.push(chunk.subarray(0, take));
      have += take;
      chunk = chunk.subarray(take);
      if (have === size) {
        yield Buffer.concat(parts);
        parts = [];
        have = 0;
      }
    }
  }
  if (have > 0 || parts.length > 0) yield Buffer.concat(parts);
}

/** Gzip members in input order, compressed up to `inFlight` at a time. */
export async function* parallelGzip(source: AsyncIterable<Uint8Array>, blockSize = gzipBlockSize): AsyncGenerator<Buffer> {
  const pending: Promise<Buffer>[] = [];
  let empty = true;
  for await (const block of blocks(source, blockSize)) {
    empty = false;
    pending.push(gzipAsync(block, memberOptions(block)));
    if (pending.length >= inFlight) yield await (pending.shift() as Promise<Buffer>);
  }
  if (empty) pending.push(gzipAsync(Buffer.alloc(0), memberOptions(Buffer.alloc(0))));
  while (pending.length > 0) yield await (pending.shift() as Promise<Buffer>);
}

/**
 * Pulls items from `source` ahead of the consumer (up to `max` waiting), so
 * compression goes on while the previous chunk is being uploaded.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, max: number): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  let ended = false;
  const fill = (): void => {
    while (!ended && queue.length < max) {
      const p = it.next();
      queue.push(p);
      p.then((r) => {
        if (r.done) ended = true;
      }, () => {
        ended = true;
      });
      // an async generator queues next() calls, so asking again at once is safe
      if (queue.length >= max) break;
    }
  };
  try {
    for (;;) {
      fill();
      const r = await (queue.shift() as Promise<IteratorResult<T>>);
      if (r.done) return;
      yield r.value;
    }
  } finally {
    if (!ended) await it.return?.(undefined);
  }
}
