// Deterministic, parallel gzip for pushing layers: the tar is cut into
// fixed-size blocks, each compressed as an independent gzip member on
// libuv's thread pool (zlib's async API), and the members are written in
// order. Concatenated members are a valid gzip stream (RFC 1952 §2.2) that
// every gunzip reads; the same input always gives the same bytes (zlib's
// header carries no time or name here), so pushing twice gives one digest.
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gzipAsync = promisify(zlib.gzip);

/** Part of the digest's definition: changing these changes pushed digests. */
export const gzipBlockSize = 4 * 1024 * 1024;
export const gzipLevel = 6;
const inFlight = 4;

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
    pending.push(gzipAsync(block, { level: gzipLevel }));
    if (pending.length >= inFlight) yield await (pending.shift() as Promise<Buffer>);
  }
  if (empty) pending.push(gzipAsync(Buffer.alloc(0), { level: gzipLevel }));
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
