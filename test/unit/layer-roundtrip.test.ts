// write → extract → write gives identical bytes; an overlay-mode extraction
// (whiteouts as 0/0 devices, opaque xattrs) written back as an upper dir
// gives back the original layer, whiteouts included.
import { link, mkdir, mkdtemp, rm, symlink, utimes, writeFile, lchown, chmod, lstat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeLayer, type WriteLayerOptions } from '../../src/image/layer/write.js';
import { extractLayer } from '../../src/image/layer/extract.js';
import { applyFsOps, readXattrs } from '../../src/image/layer/native.js';
import { encodeTar, type TarEntryMeta } from '../../src/image/layer/tar-format.js';
import { missing } from '../helpers/requires.js';

async function layerBytes(dir: string, opts: WriteLayerOptions = {}): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeLayer(dir, out, opts);
  out.end();
  return Buffer.concat(chunks);
}

const whyRoot = missing('root');
describe.skipIf(!!whyRoot)('layer round trip (root)', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-rt-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('write → extract → write is byte-identical with every kind of entry', async () => {
    const src = path.join(base, 'src');
    await mkdir(path.join(src, 'etc', 'deep', 'er'), { recursive: true });
    await writeFile(path.join(src, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\n');
    await writeFile(path.join(src, 'big'), Buffer.alloc(3 * 1024 * 1024 + 7, 0xab));
    await writeFile(path.join(src, 'empty'), '');
    await link(path.join(src, 'etc', 'passwd'), path.join(src, 'hard'));
    await symlink('etc/passwd', path.join(src, 'sym'));
    await symlink('/nonexistent/' + 'q'.repeat(200), path.join(src, 'dangling-long'));
    await writeFile(path.join(src, 'etc', 'deep', 'er', 'n'.repeat(90) + '-' + 'ä'.repeat(40)), 'long name');
    await writeFile(path.join(src, 'setuid'), '#!', { mode: 0o755 });
    await lchown(path.join(src, 'setuid'), 1000, 1000);
    await chmod(path.join(src, 'setuid'), 0o4750);
    await chmod(path.join(src, 'etc', 'deep'), 0o1777);
    await applyFsOps([
      { op: 'mknod', path: path.join(src, 'null'), mode: 0o020666, major: 1, minor: 3, uid: 0, gid: 0, mtime: 5 },
      { op: 'mknod', path: path.join(src, 'sda'), mode: 0o060660, major: 8, minor: 0, uid: 0, gid: 6, mtime: 5 },
      { op: 'mknod', path: path.join(src, 'fifo'), mode: 0o010644, major: 0, minor: 0, uid: 33, gid: 33, mtime: 5 },
      { op: 'setxattr', path: path.join(src, 'big'), name: 'user.checksum', value: Buffer.from('abc') },
      { op: 'setxattr', path: path.join(src, 'setuid'), name: 'security.capability', value: Buffer.from('0100000200200000000000000000000000000000', 'hex') },
    ]);
    await utimes(path.join(src, 'etc'), 3, 3);
    const one = await layerBytes(src, { sourceDateEpoch: 1_600_000_000 });
    const dst = path.join(base, 'dst');
    await mkdir(dst);
    const r = await extractLayer([one], dst, { whiteouts: 'apply' });
    expect(r.size).toBe(one.length);
    const two = await layerBytes(dst, { sourceDateEpoch: 1_600_000_000 });
    expect(two.equals(one)).toBe(true);
    // and without clamping: the extracted mtimes are the tar's
    const three = await layerBytes(dst);
    expect(three.equals(one)).toBe(true);
  });

  it('overlay-mode extraction written back as an upper dir gives back the same layer', async () => {
    const m = (p: string, type: TarEntryMeta['type'], extra: Partial<TarEntryMeta> = {}): TarEntryMeta => ({ path: p, type, mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1000, ...extra });
    const tar = encodeTar([
      { meta: m('a/', 'Directory') },
      { meta: m('a/.wh..wh..opq', 'File', { mode: 0o600 }) },
      { meta: m('a/new', 'File', { mode: 0o644 }), data: Buffer.from('new') },
      { meta: m('b/', 'Directory') },
      { meta: m('b/.wh.gone', 'File', { mode: 0o600 }) },
    ]);
    const dst = path.join(base, 'lower');
    await mkdir(dst);
    await extractLayer([tar], dst, { whiteouts: 'overlay' });
    const gone = await lstat(path.join(dst, 'b', 'gone'));
    expect(gone.isCharacterDevice() && gone.rdev === 0).toBe(true);
    const attrs = await readXattrs([path.join(dst, 'a')]);
    expect(attrs.get(0)?.get('trusted.overlay.opaque')?.toString()).toBe('y');
    const back = await layerBytes(dst, { fromUpper: true });
    expect(back.equals(tar)).toBe(true);
  });
});
