// Random names (container and volume IDs, temp files) from the kernel's
// random source, without loading node:crypto (see lazy-crypto.ts).
import { closeSync, openSync, readSync } from 'node:fs';

/** `bytes` random bytes as lowercase hex */
export function randomHex(bytes: number): string {
  const buf = Buffer.alloc(bytes);
  const fd = openSync('/dev/urandom', 'r');
  try {
    for (let off = 0; off < bytes; ) {
      const n = readSync(fd, buf, off, bytes - off, null);
      if (n === 0) throw new Error('/dev/urandom: unexpected end of file');
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return buf.toString('hex');
}
