import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/image/atomic.js';
import { HashingStream, parseDigest, sha256, sha256Stream } from '../../src/image/digest.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('replaces the whole file and leaves no temp file', async () => {
    const f = path.join(dir, 'index.json');
    writeFileSync(f, 'old content that is longer');
    await writeFileAtomic(f, 'new');
    expect(readFileSync(f, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['index.json']);
  });

  it('uses the given temp folder and cleans it up on failure', async () => {
    const tmp = path.join(dir, 'tmp');
    await import('node:fs/promises').then((fs) => fs.mkdir(tmp));
    await expect(writeFileAtomic(path.join(dir, 'missing-dir', 'x'), 'data', { tempDir: tmp })).rejects.toThrow(/ENOENT/);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('readers never see a partial file while writers race', async () => {
    const f = path.join(dir, 'f');
    const a = 'A'.repeat(200_000);
    const b = 'B'.repeat(100_000);
    await writeFileAtomic(f, a);
    const seen = new Set<string>();
    let done = false;
    const reader = (async () => {
      while (!done) {
        const t = readFileSync(f, 'utf8');
        seen.add(t === a ? 'a' : t === b ? 'b' : `torn:${t.length}`);
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 30; i++) await writeFileAtomic(f, i % 2 ? a : b);
    done = true;
    await reader;
    expect([...seen].filter((s) => s.startsWith('torn'))).toEqual([]);
  });
});

describe('digests', () => {
  it('hashes buffers and streams alike', async () => {
    const data = Buffer.from('hello world');
    expect(sha256(data)).toBe('sha256:b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9');
    expect((await sha256Stream(Readable.from([data.subarray(0, 3), data.subarray(3)]))).digest).toBe(sha256(data));
    const h = new HashingStream();
    const out: Buffer[] = [];
    for await (const c of Readable.from([data]).pipe(h)) out.push(c as Buffer);
    expect(Buffer.concat(out)).toEqual(data);
    expect(h.digest()).toBe(sha256(data));
    expect(h.size).toBe(11);
  });

  it('refuses malformed digests', () => {
    expect(() => parseDigest('sha256:ABC')).toThrow(/invalid digest/);
    expect(() => parseDigest('sha512:' + 'a'.repeat(128))).toThrow(/invalid digest/);
    expect(parseDigest('sha256:' + 'a'.repeat(64))).toBe('sha256:' + 'a'.repeat(64));
  });
});
