// Layer compression. Reading (gzip / zstd / plain by magic bytes) is the
// store's decompress.ts, re-exported here; writing is a deterministic gzip:
// a fixed 10-byte header (no name, mtime 0, XFL 0, OS 255 "unknown", as Go's
// compress/gzip writes it), raw deflate at a fixed level, CRC32 + size.
// The same tar always gives the same .tar.gz bytes with the same Node (zlib).
import { crc32, createDeflateRaw, constants } from 'node:zlib';
import { Readable } from 'node:stream';

export { decompress, detectCompression, type Compression } from '../decompress.js';

export const GZIP_LEVEL = 6;
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

/** Deterministic gzip of a byte stream. */
export async function* gzipDeterministic(input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let crc = 0;
  let size = 0;
  const deflate = createDeflateRaw({ level: GZIP_LEVEL, memLevel: 8, strategy: constants.Z_DEFAULT_STRATEGY, windowBits: 15 });
  const counted = (async function* () {
    for await (const chunk of input) {
      crc = crc32(chunk, crc);
      size = (size + chunk.length) % 2 ** 32;
      yield chunk;
    }
  })();
  const source = Readable.from(counted, { objectMode: false });
  source.on('error', (err) => deflate.destroy(err));
  source.pipe(deflate);
  yield HEADER;
  for await (const chunk of deflate) yield chunk as Buffer;
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size >>> 0, 4);
  yield trailer;
}
