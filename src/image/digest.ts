// sha256 names every blob. Digests are `sha256:<64 lowercase hex>`; the
// helpers here hash buffers and streams (while the bytes pass through).
import type { Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { TsbuildError } from '../errors.js';
import { nodeCrypto } from '../lazy-crypto.js';

export type Digest = `sha256:${string}`;

const digestRe = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): s is Digest {
  return digestRe.test(s);
}

/** Checks a digest string; other algorithms are refused (the store holds sha256 only). */
export function parseDigest(s: string, what = 'digest'): Digest {
  if (!isDigest(s)) {
    throw new TsbuildError('image', 'BAD_DIGEST', `invalid ${what} '${s}': want sha256:<64 lowercase hex digits>`);
  }
  return s;
}

export function digestHex(d: Digest): string {
  return d.slice('sha256:'.length);
}

export function sha256(data: Uint8Array | string): Digest {
  return `sha256:${nodeCrypto().createHash('sha256').update(data).digest('hex')}`;
}

/**
 * A pass-through stream that hashes and counts what flows through it; read
 * `digest()` and `size` after the end.
 */
export class HashingStream extends Transform {
  readonly #hash: Hash = nodeCrypto().createHash('sha256');
  #size = 0;
  #digest: Digest | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    cb(null, chunk);
  }

  get size(): number {
    return this.#size;
  }

  digest(): Digest {
    this.#digest ??= `sha256:${this.#hash.digest('hex')}`;
    return this.#digest;
  }
}

/** Hashes an async iterable of chunks without keeping them. */
export async function sha256Stream(source: AsyncIterable<Uint8Array>): Promise<{ digest: Digest; size: number }> {
  const h = nodeCrypto().createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    h.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${h.digest('hex')}`, size };
}
