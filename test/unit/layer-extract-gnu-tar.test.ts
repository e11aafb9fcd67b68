// Interop: archives written by GNU tar (gnu format with ././@LongLink names,
// and pax format) extract to the tree they were made from — checked by
// writing both trees as layers and comparing the bytes.
import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, symlink, writeFile, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLayer } from '../../src/image/layer/write.js';
import { extractLayer } from '../../src/image/layer/extract.js';
import { applyFsOps } from '../../src/image/layer/native.js';

async function layerBytes(dir: string): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeLayer(dir, out, { sourceDateEpoch: 1_500_000_000 });
  out.end();
  return Buffer.concat(chunks);
}

const hasGnuTar = (() => {
  try {
    return execFileSync('tar', ['--version'], { encoding: 'utf8' }).includes('GNU tar');
  } catch {
    return false;
  }
})();
if (!hasGnuTar) console.warn('SKIP: needs GNU tar');

describe.skipIf(!hasGnuTar)('layer extract: archives from GNU tar', () => {
  let base: string;
  let src: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-gnutar-'));
    src = path.join(base, 'src');
    const long = path.join(src, 'a'.repeat(80), 'b'.repeat(90), 'c'.repeat(100) + '-ñ');
    await mkdir(path.dirname(long), { recursive: true });
    await writeFile(long, 'deep');
    await writeFile(path.join(src, 'big'), Buffer.alloc(2_000_001, 3));
    await writeFile(path.join(src, 'x'), 'x');
    await link(path.join(src, 'x'), path.join(src, 'y'));
    await link(long, path.join(src, 'link-to-long'));
    await symlink('../'.repeat(30) + 'far/away', path.join(src, 'longsym'));
    await mkdir(path.join(src, 'empty-dir'));
    if (process.getuid?.() === 0) await applyFsOps([{ op: 'setxattr', path: path.join(src, 'x'), name: 'user.tag', value: Buffer.from('v') }]);
    await utimes(path.join(src, 'x'), 1_000, 1_000);
  });
  afterAll(() => rm(base, { recursive: true, force: true }));

  for (const format of ['gnu', 'pax'] as const) {
    it(`--format=${format}`, async () => {
      const archive = execFileSync('tar', [`--format=${format}`, '--xattrs', '--xattrs-include=user.*', '--numeric-owner', '-C', src, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
      const dst = path.join(base, `dst-${format}`);
      await mkdir(dst);
      await extractLayer([archive], dst, { whiteouts: 'apply' });
      const [a, b] = [await layerBytes(src), await layerBytes(dst)];
      expect(b.length).toBe(a.length);
      expect(b.equals(a)).toBe(true);
    });
  }
});
