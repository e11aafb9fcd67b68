// Reading side of layer compression: detect gzip / zstd / plain by magic
// bytes and stream the uncompressed bytes. gzip through node:zlib, zstd
// through the `zstd` CLI (argv array, streaming through its stdin/stdout).
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { TsbuildError } from '../errors.js';

export type Compression = 'gzip' | 'zstd' | 'none';

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** Reads at least `n` bytes (or all there is) from the front, then yields everything. */
export async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
  const it = source[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let len = 0;
  let done = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = Buffer.from(r.value);
    first.push(b);
    len += b.length;
  }
  const head = Buffer.concat(first);
  async function* all(): AsyncIterable<Buffer> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value);
    }
  }
  return { head, all: all() };
}

/**
 * Streams the uncompressed bytes of gzip, zstd or plain input; `what` names it in errors.
 * `gzipChunkSize` sets gunzip's output chunk size (bigger: fewer, bigger writes downstream).
 */
export async function decompress(
  source: AsyncIterable<Uint8Array>,
  what: string,
  options: { gzipChunkSize?: number } = {},
): Promise<{ compression: Compression; stream: AsyncIterable<Buffer> }> {
  const { head, all } = await peek(source, 4);
  const compression = detectCompression(head);
  if (compression === 'none') return { compression, stream: all };
  if (compression === 'gzip') {
    const gunzip = createGunzip(options.gzipChunkSize === undefined ? {} : { chunkSize: options.gzipChunkSize });
    const input = Readable.from(all);
    input.on('error', (e) => gunzip.destroy(e));
    // the consumer's iterator reports the error; this keeps one emitted after it stopped from crashing the process
    gunzip.on('error', () => undefined);
    input.pipe(gunzip);
    return { compression, stream: wrapErrors(gunzip, what, 'gzip') };
  }
  return { compression, stream: zstdDecompress(all, what) };
}

async function* wrapErrors(s: AsyncIterable<Buffer>, what: string, kind: string): AsyncIterable<Buffer> {
  try {
    yield* s;
  } catch (err) {
    throw new TsbuildError('image', 'DECOMPRESS_FAILED', `cannot decompress ${what} (${kind}): ${(err as Error).message}`, { cause: err });
  }
}

async function* zstdDecompress(input: AsyncIterable<Buffer>, what: string): AsyncIterable<Buffer> {
  const argv = ['-d', '-c', '-q'];
  const child = execa('zstd', argv, { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', buffer: { stdout: false, stderr: true }, reject: false });
  const feed = (async () => {
    const stdin = child.stdin;
    try {
      for await (const chunk of input) {
        if (!stdin.write(chunk)) await new Promise<void>((res) => stdin.once('drain', () => res()));
      }
    } finally {
      stdin.end();
    }
  })();
  feed.catch(() => child.kill());
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
    finished = true;
  } finally {
    // the consumer stopped early or failed: do not leave zstd running
    if (!finished) child.kill();
  }
  const result = await child;
  const fed = await feed.then(() => undefined, (err: unknown) => err);
  if (fed !== undefined) throw new TsbuildError('image', 'DECOMPRESS_FAILED', `cannot decompress ${what}: reading the input failed: ${(fed as Error).message}`, { cause: fed });
  if (result.exitCode !== 0) {
    throw new TsbuildError('image', 'DECOMPRESS_FAILED', `cannot decompress ${what}: zstd ${argv.join(' ')} exited ${result.exitCode ?? result.signal}: ${String(result.stderr).trim()}`);
  }
}
