// Assembles the tar bytes of a planned layer on a worker thread: headers
// (encoded beforehand on the main thread), file contents read straight into
// ~1 MiB output buffers, padding, the end-of-archive blocks. The main thread
// only hashes and writes whole buffers, so reading and hashing run on two
// cores as `tar | sha256sum` does, with few messages (one per buffer, not per
// file). Buffers are transferred, not copied; at most MAX_AHEAD are in
// flight. The worker is inline JavaScript (nothing extra to bundle) and only
// opens, reads and closes the paths it is given.
import { Worker } from 'node:worker_threads';

export interface AssemblyJob {
  /** header block(s) of the entry */
  header: Buffer;
  /** file to read `size` bytes of contents from, for regular files with contents */
  path?: string;
  size: number;
}

export type AssemblyMsg = { buf: Uint8Array; end: boolean } | { error: string; code?: string; path: string };

const OUT = 1 << 20;
const MAX_AHEAD = 16;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { headers, offsets, paths, sizes, out: OUT, maxAhead, consumed } = workerData;
const headerBytes = Buffer.from(headers);
const counter = new Int32Array(consumed);
let produced = 0;
let buf = Buffer.allocUnsafeSlow(OUT);
let pos = 0;
function flush(end) {
  produced++;
  while (produced - Atomics.load(counter, 0) > maxAhead) Atomics.wait(counter, 0, Atomics.load(counter, 0), 50);
  const view = new Uint8Array(buf.buffer, buf.byteOffset, pos);
  parentPort.postMessage({ buf: view, end }, [buf.buffer]);
  buf = Buffer.allocUnsafeSlow(OUT);
  pos = 0;
}
function put(src) {
  let off = 0;
  while (off < src.length) {
    const n = Math.min(src.length - off, OUT - pos);
    src.copy(buf, pos, off, off + n);
    pos += n;
    off += n;
    if (pos === OUT) flush(false);
  }
}
function zeros(n) {
  while (n > 0) {
    const k = Math.min(n, OUT - pos);
    buf.fill(0, pos, pos + k);
    pos += k;
    n -= k;
    if (pos === OUT) flush(false);
  }
}
let current;
try {
  for (let i = 0; i < sizes.length; i++) {
    put(headerBytes.subarray(offsets[i], offsets[i + 1]));
    const path = paths[i];
    const size = sizes[i];
    if (!path) continue;
    current = path;
    const fd = fs.openSync(path, 'r');
    try {
      let done = 0;
      while (done < size) {
        const r = fs.readSync(fd, buf, pos, Math.min(size - done, OUT - pos), done);
        if (r === 0) throw Object.assign(new Error('expected ' + size + ' bytes, found ' + done), { code: 'SHORT' });
        done += r;
        pos += r;
        if (pos === OUT) flush(false);
      }
    } finally {
      fs.closeSync(fd);
    }
    zeros((512 - (size % 512)) % 512);
  }
  current = undefined;
  zeros(1024);
  flush(true);
} catch (err) {
  parentPort.postMessage({ error: err.message, code: err.code, path: current || '(tar assembler)' });
}
`;

/** Runs the assembler for `jobs` and hands out its buffers in order. */
export class TarAssembler {
  readonly #worker: Worker;
  readonly #queue: AssemblyMsg[] = [];
  readonly #consumed = new Int32Array(new SharedArrayBuffer(4));
  #waiter: ((m: AssemblyMsg) => void) | undefined;

  constructor(jobs: readonly AssemblyJob[]) {
    const offsets = new Array<number>(jobs.length + 1);
    let total = 0;
    jobs.forEach((j, i) => {
      offsets[i] = total;
      total += j.header.length;
    });
    offsets[jobs.length] = total;
    const headers = Buffer.concat(jobs.map((j) => j.header), total);
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        headers,
        offsets,
        paths: jobs.map((j) => j.path ?? ''),
        sizes: jobs.map((j) => (j.path ? j.size : 0)),
        out: OUT,
        maxAhead: MAX_AHEAD,
        consumed: this.#consumed.buffer,
      },
    });
    this.#worker.on('message', (m: AssemblyMsg) => this.#push(m));
    this.#worker.on('error', (err) => this.#push({ error: err.message, path: '(tar assembler)' }));
  }

  #push(m: AssemblyMsg): void {
    const w = this.#waiter;
    if (w) {
      this.#waiter = undefined;
      w(m);
    } else this.#queue.push(m);
  }

  /** The next buffer of tar bytes (the last one has end=true), or an error. */
  async next(): Promise<AssemblyMsg> {
    const m = this.#queue.shift() ?? (await new Promise<AssemblyMsg>((resolve) => (this.#waiter = resolve)));
    if ('buf' in m) {
      Atomics.add(this.#consumed, 0, 1);
      Atomics.notify(this.#consumed, 0);
    }
    return m;
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
