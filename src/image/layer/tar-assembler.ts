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

export type AssemblyMsg = { buf: Uint8Array; end: boolean } | { done: true } | { error: string; code?: string; path: string };

export interface AssemblyOptions {
  /**
   * Hand each buffer back with release() once hashed, to be reused: no
   * allocation per MiB and no garbage. Only when nothing else keeps the
   * buffers (digest only, or output written by the worker to outFd).
   */
  recycle?: boolean;
  /** with recycle: the worker writes every released buffer to this fd, in order */
  outFd?: number;
}

const OUT = 1 << 20;
const MAX_AHEAD = 16;

const WORKER_SOURCE = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const fs = require('node:fs');
const { headers, offsets, paths, sizes, out: OUT, maxAhead, consumed, recycle, outFd } = workerData;
const headerBytes = Buffer.from(headers);
const counter = new Int32Array(consumed);
let produced = 0;
let allocated = 0;
const free = [];
function writeAll(view) {
  let off = 0;
  try {
    while (off < view.length) off += fs.writeSync(outFd, view, off, view.length - off);
  } catch (err) {
    throw Object.assign(new Error('cannot write the layer: ' + err.message), { code: 'OUTPUT' });
  }
}
// recycle mode: buffers come back once hashed (and, with outFd, are written here first)
function takeReturns(block) {
  for (;;) {
    const m = receiveMessageOnPort(parentPort);
    if (m) {
      const { ab, len } = m.message;
      if (outFd >= 0) writeAll(new Uint8Array(ab, 0, len));
      free.push(Buffer.from(ab));
      continue;
    }
    if (!block || free.length > 0) return;
    Atomics.wait(counter, 0, Atomics.load(counter, 0), 20);
  }
}
function fresh() {
  if (!recycle) {
    while (produced - Atomics.load(counter, 0) > maxAhead) Atomics.wait(counter, 0, Atomics.load(counter, 0), 50);
    return Buffer.allocUnsafeSlow(OUT);
  }
  takeReturns(false);
  if (free.length === 0 && allocated < maxAhead) {
    allocated++;
    return Buffer.allocUnsafeSlow(OUT);
  }
  takeReturns(true);
  return free.pop();
}
let buf = fresh();
let pos = 0;
function flush(end) {
  produced++;
  const view = new Uint8Array(buf.buffer, buf.byteOffset, pos);
  parentPort.postMessage({ buf: view, end }, [buf.buffer]);
  buf = end ? undefined : fresh();
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
  if (recycle) {
    current = '(layer output)';
    // every buffer back (and written) before saying done
    while (free.length < allocated) takeReturns(true);
    parentPort.postMessage({ done: true });
  }
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

  readonly #recycle: boolean;

  constructor(jobs: readonly AssemblyJob[], opts: AssemblyOptions = {}) {
    this.#recycle = opts.recycle ?? false;
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
        recycle: this.#recycle,
        outFd: opts.outFd ?? -1,
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

  /** recycle mode: gives a buffer from next() back to the worker (after it was hashed) */
  release(buf: Uint8Array): void {
    if (!this.#recycle) return;
    const ab = buf.buffer as ArrayBuffer;
    this.#worker.postMessage({ ab, len: buf.length }, [ab]);
    Atomics.add(this.#consumed, 0, 1);
    Atomics.notify(this.#consumed, 0);
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }
}
