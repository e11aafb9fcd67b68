// A minimal deterministic tar writer for image archives: folders and regular
// files only, owner 0:0, mtime 0, headers from node-tar's ustar encoder.
// Archive paths are short store-generated names (blobs/sha256/<hex>).
import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { Header } from 'tar';

const BLOCK = 512;

export class ArchiveWriter {
  constructor(private readonly out: Writable) {}

  private async write(b: Buffer): Promise<void> {
    if (!this.out.write(b)) await once(this.out, 'drain');
  }

  private header(p: string, type: 'File' | 'Directory', size: number): Buffer {
    const block = Buffer.alloc(BLOCK);
    const h = new Header({ path: p, mode: type === 'Directory' ? 0o755 : 0o644, uid: 0, gid: 0, size, mtime: new Date(0), type, uname: '', gname: '' });
    if (h.encode(block, 0)) throw new Error(`tar path too long for a ustar header: ${p}`);
    return block;
  }

  async dir(p: string): Promise<void> {
    await this.write(this.header(p.endsWith('/') ? p : `${p}/`, 'Directory', 0));
  }

  async file(p: string, data: Buffer): Promise<void> {
    await this.write(this.header(p, 'File', data.length));
    await this.write(data);
    await this.pad(data.length);
  }

  /**
   * Copies a file of known size into the archive, streaming, and checks its
   * sha256 on the way (a corrupt blob is never exported).
   */
  async fileFrom(p: string, source: string, size: number, expectedDigest?: string): Promise<void> {
    await this.write(this.header(p, 'File', size));
    const h = createHash('sha256');
    let n = 0;
    for await (const chunk of createReadStream(source)) {
      n += (chunk as Buffer).length;
      if (n > size) break;
      h.update(chunk as Buffer);
      await this.write(chunk as Buffer);
    }
    if (n !== size) throw new Error(`${source} is corrupt: ${n > size ? 'more than' : 'only'} ${n} bytes, expected ${size} (run 'tsbuild system check')`);
    const got = `sha256:${h.digest('hex')}`;
    if (expectedDigest !== undefined && got !== expectedDigest) throw new Error(`${source} is corrupt: it does not match its digest ${expectedDigest} (got ${got}; run 'tsbuild system check')`);
    await this.pad(size);
  }

  private async pad(size: number): Promise<void> {
    const rem = size % BLOCK;
    if (rem !== 0) await this.write(Buffer.alloc(BLOCK - rem));
  }

  /** Two zero blocks end the archive. */
  async finish(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
  }
}
