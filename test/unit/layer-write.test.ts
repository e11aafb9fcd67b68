// The deterministic layer writer: same tree → same bytes, whatever the
// timestamps, creation/readdir order or run; full fidelity of what a layer holds.
import { link, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile, lchown, lstat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createHash } from 'node:crypto';
import { Parser, type ReadEntry } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layerDigest, layerStream, writeLayer, writeLayerFile, type WriteLayerOptions } from '../../src/image/layer/write.js';
import { readTar, type TarReadEntry } from '../../src/image/layer/tar-reader.js';
import { applyFsOps } from '../../src/image/layer/native.js';
import { missing } from '../helpers/requires.js';

async function layerBytes(dir: string, opts: WriteLayerOptions = {}): Promise<{ bytes: Buffer; diffId: string; size: number }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const d = await writeLayer(dir, out, opts);
  out.end();
  const bytes = Buffer.concat(chunks);
  return { bytes, ...d };
}

async function entries(bytes: Buffer): Promise<Omit<TarReadEntry, 'body'>[]> {
  const out: Omit<TarReadEntry, 'body'>[] = [];
  for await (const e of readTar([bytes])) {
    const { body: _body, ...rest } = e;
    out.push(rest);
  }
  return out;
}

/** an independent parse with node-tar's Parser */
async function nodeTarList(bytes: Buffer): Promise<ReadEntry[]> {
  const list: ReadEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    const p = new Parser({ onReadEntry: (e) => { list.push(e); e.resume(); } });
    p.on('end', () => resolve());
    p.on('error', reject);
    p.end(bytes);
  });
  return list;
}

const NAMES = ['b', 'a-b', 'a', 'a.b', 'B', 'é', 'a/z', 'a/b', 'a/b/c', '_', 'Z9'];

async function makeTree(dir: string, order: string[], mtime: number): Promise<void> {
  for (const n of order) {
    const p = path.join(dir, n);
    if (n === 'a' || n === 'a/b') await mkdir(p, { recursive: true });
    else {
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, `content of ${n}\n`.repeat(n.length * 100));
    }
  }
  for (const n of [...order].reverse()) await utimes(path.join(dir, n), mtime - 17, mtime);
}

describe('layer writer: determinism', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-write-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('gives the same bytes across runs, creation orders, mtimes and atimes (clamped), and hashes while streaming', async () => {
    const one = path.join(base, 'one');
    const two = path.join(base, 'two');
    await makeTree(one, NAMES, 2_000_000_000);
    await makeTree(two, [...NAMES].reverse().filter((n) => n !== 'a' && n !== 'a/b').concat(['a', 'a/b']), 1_900_000_000);
    const epoch = 1_700_000_000;
    const r1 = await layerBytes(one, { sourceDateEpoch: epoch });
    const r2 = await layerBytes(one, { sourceDateEpoch: epoch });
    const r3 = await layerBytes(two, { sourceDateEpoch: epoch });
    expect(r1.bytes.equals(r2.bytes)).toBe(true);
    expect(r1.bytes.equals(r3.bytes)).toBe(true);
    expect(r1.diffId).toBe(`sha256:${createHash('sha256').update(r1.bytes).digest('hex')}`);
    expect(r1.size).toBe(r1.bytes.length);
    expect(r1.size % 512).toBe(0);
    // without clamping the different mtimes show
    const u1 = await layerBytes(one);
    const u3 = await layerBytes(two);
    expect(u1.bytes.equals(u3.bytes)).toBe(false);
  });

  it('sorts entries bytewise by path, parents first, with empty user/group names and no atime/ctime', async () => {
    await makeTree(base, NAMES, 1_000_000);
    const { bytes } = await layerBytes(base);
    const list = await nodeTarList(bytes);
    const paths = list.map((e) => e.path.replace(/\/$/, ''));
    const sorted = [...paths].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(paths).toEqual(sorted);
    expect(paths).toEqual(['B', 'Z9', '_', 'a', 'a-b', 'a.b', 'a/b', 'a/b/c', 'a/z', 'b', 'é']);
    for (const e of list) {
      expect(e.header.uname ?? '').toBe('');
      expect(e.header.gname ?? '').toBe('');
      expect(e.header.atime).toBeUndefined();
      expect(e.header.ctime).toBeUndefined();
      expect(e.mtime?.getTime()).toBe(1_000_000_000);
    }
  });

  it('clamps mtimes to SOURCE_DATE_EPOCH and keeps older ones', async () => {
    await writeFile(path.join(base, 'new'), 'n');
    await writeFile(path.join(base, 'old'), 'o');
    await utimes(path.join(base, 'new'), 9000, 9000);
    await utimes(path.join(base, 'old'), 1000, 1000.75);
    const list = await entries((await layerBytes(base, { sourceDateEpoch: 5000 })).bytes);
    expect(Object.fromEntries(list.map((e) => [e.path, e.mtime]))).toEqual({ new: 5000, old: 1000 });
  });

  it('rewrites the on-disk mtimes to the written ones when asked', async () => {
    await mkdir(path.join(base, 'd'));
    await writeFile(path.join(base, 'd', 'f'), 'f');
    await symlink('f', path.join(base, 'd', 's'));
    await layerBytes(base, { sourceDateEpoch: 4242, rewriteMtimes: true });
    for (const p of ['d', 'd/f', 'd/s']) expect((await lstat(path.join(base, p))).mtimeMs).toBe(4242_000);
  });

  it('writes hardlinks as links to the first path, symlinks, long and non-ASCII names through PAX', async () => {
    const long = 'dir-' + 'x'.repeat(120) + '/' + 'y'.repeat(150) + '/file-ünïcode-' + 'z'.repeat(100);
    await mkdir(path.join(base, path.dirname(long)), { recursive: true });
    await writeFile(path.join(base, long), 'long');
    await writeFile(path.join(base, 'm'), 'shared');
    await link(path.join(base, 'm'), path.join(base, 'c'));
    await link(path.join(base, 'm'), path.join(base, 'x'));
    const longTarget = '../'.repeat(40) + 'target';
    await symlink(longTarget, path.join(base, 'sym'));
    const { bytes } = await layerBytes(base);
    const list = await nodeTarList(bytes);
    const byPath = new Map(list.map((e) => [e.path, e]));
    expect(byPath.get('c')?.type).toBe('File');
    expect(byPath.get('c')?.size).toBe(6);
    expect(byPath.get('m')).toMatchObject({ type: 'Link', linkpath: 'c' });
    expect(byPath.get('x')).toMatchObject({ type: 'Link', linkpath: 'c' });
    expect(byPath.get('sym')).toMatchObject({ type: 'SymbolicLink', linkpath: longTarget });
    expect(byPath.get(long)).toMatchObject({ type: 'File', size: 4 });
    expect(byPath.has(path.dirname(long) + '/')).toBe(true);
  });
});

describe('layer writer: stream form and what a tar cannot hold', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-write2-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('layerStream gives the same bytes and digest as writeLayer', async () => {
    await makeTree(base, NAMES, 1_000_000);
    await writeFile(path.join(base, 'big'), Buffer.alloc(3 * 1024 * 1024 + 1, 7));
    const direct = await layerBytes(base);
    const { stream, done } = layerStream(base);
    const parts: Buffer[] = [];
    for await (const c of stream) parts.push(c as Buffer);
    const d = await done;
    expect(Buffer.concat(parts).equals(direct.bytes)).toBe(true);
    expect(d).toEqual({ diffId: direct.diffId, size: direct.size });
  });

  it('layerDigest and writeLayerFile (recycled buffers) agree with writeLayer, over many buffers', async () => {
    await makeTree(base, NAMES, 1_000_000);
    const big = Buffer.alloc(40 * 1024 * 1024 + 123);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    await writeFile(path.join(base, 'big'), big);
    const direct = await layerBytes(base, { sourceDateEpoch: 7 });
    expect(await layerDigest(base, { sourceDateEpoch: 7 })).toEqual({ diffId: direct.diffId, size: direct.size });
    const file = path.join(os.tmpdir(), `layer-file-${process.pid}.tar`);
    try {
      expect(await writeLayerFile(base, file, { sourceDateEpoch: 7 })).toEqual({ diffId: direct.diffId, size: direct.size });
      expect((await readFile(file)).equals(direct.bytes)).toBe(true);
    } finally {
      await rm(file, { force: true });
    }
  });

  it('leaves out sockets, which a tar cannot represent', async () => {
    await writeFile(path.join(base, 'f'), 'f');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(base, 'sock'), resolve));
    try {
      expect((await entries((await layerBytes(base)).bytes)).map((e) => e.path)).toEqual(['f']);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a file whose name reads as a whiteout', async () => {
    await mkdir(path.join(base, 'd'));
    await writeFile(path.join(base, 'd', '.wh.x'), '');
    await expect(layerBytes(base)).rejects.toMatchObject({ code: 'LAYER_RESERVED_NAME', message: expect.stringContaining(path.join(base, 'd', '.wh.x')) });
  });

  it('names the directory when it cannot be read', async () => {
    await expect(layerBytes(path.join(base, 'missing'))).rejects.toMatchObject({ code: 'LAYER_READ', message: expect.stringContaining(path.join(base, 'missing')) });
  });
});

const whyRoot = missing('root');
describe.skipIf(!!whyRoot)('layer writer: owners, devices, FIFOs, xattrs (root)', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-write-root-'));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('keeps uid/gid (PAX for large ids), modes with set-id bits, devices and FIFOs', async () => {
    await writeFile(path.join(base, 'owned'), 'o');
    await lchown(path.join(base, 'owned'), 1234, 5678);
    await writeFile(path.join(base, 'huge'), 'h');
    await lchown(path.join(base, 'huge'), 3_000_000, 3_000_001);
    await writeFile(path.join(base, 'suid'), 's', { mode: 0o755 });
    const { chmod } = await import('node:fs/promises');
    await chmod(path.join(base, 'suid'), 0o4755);
    await applyFsOps([
      { op: 'mknod', path: path.join(base, 'null'), mode: 0o020666, major: 1, minor: 3, uid: 0, gid: 0, mtime: 77 },
      { op: 'mknod', path: path.join(base, 'loop'), mode: 0o060660, major: 7, minor: 300, uid: 0, gid: 6, mtime: 77 },
      { op: 'mknod', path: path.join(base, 'fifo'), mode: 0o010600, major: 0, minor: 0, uid: 0, gid: 0, mtime: 77 },
    ]);
    const list = await entries((await layerBytes(base)).bytes);
    const by = new Map(list.map((e) => [e.path, e]));
    expect(by.get('owned')).toMatchObject({ uid: 1234, gid: 5678 });
    expect(by.get('huge')).toMatchObject({ uid: 3_000_000, gid: 3_000_001 });
    expect(by.get('suid')!.mode & 0o7777).toBe(0o4755);
    expect(by.get('null')).toMatchObject({ type: 'CharacterDevice', devmajor: 1, devminor: 3, mtime: 77 });
    expect(by.get('null')!.mode & 0o7777).toBe(0o666);
    expect(by.get('loop')).toMatchObject({ type: 'BlockDevice', devmajor: 7, devminor: 300, gid: 6 });
    expect(by.get('fifo')).toMatchObject({ type: 'FIFO' });
  });

  it('writes security.capability and user.* xattrs as SCHILY.xattr, never trusted.* or user.overlay.*', async () => {
    const f = path.join(base, 'f');
    await writeFile(f, 'x');
    const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // binary, with NULs
    await applyFsOps([
      { op: 'setxattr', path: f, name: 'user.foo', value: Buffer.from('bar baz\nqux') },
      { op: 'setxattr', path: f, name: 'security.capability', value: cap },
      { op: 'setxattr', path: f, name: 'trusted.overlay.opaque', value: Buffer.from('y') },
      { op: 'setxattr', path: f, name: 'trusted.other', value: Buffer.from('1') },
      { op: 'setxattr', path: f, name: 'user.overlay.origin', value: Buffer.from('1') },
    ]);
    const { bytes } = await layerBytes(base);
    const [e] = await entries(bytes);
    expect([...e!.xattrs.keys()].sort()).toEqual(['security.capability', 'user.foo']);
    expect(e!.xattrs.get('security.capability')!.equals(cap)).toBe(true);
    expect(e!.xattrs.get('user.foo')!.toString()).toBe('bar baz\nqux');
    expect(bytes.includes(Buffer.from('trusted.'))).toBe(false);
    // without xattrs
    const [plain] = await entries((await layerBytes(base, { xattrs: false })).bytes);
    expect(plain!.xattrs.size).toBe(0);
  });

  it('fromUpper: a 0/0 char device becomes .wh.NAME and an opaque dir gets .wh..wh..opq', async () => {
    await mkdir(path.join(base, 'opq'));
    await writeFile(path.join(base, 'opq', 'new'), 'n');
    await mkdir(path.join(base, 'sub'));
    await applyFsOps([
      { op: 'mknod', path: path.join(base, 'sub', 'gone'), mode: 0o020000, major: 0, minor: 0, uid: 0, gid: 0, mtime: 1 },
      { op: 'setxattr', path: path.join(base, 'opq'), name: 'trusted.overlay.opaque', value: Buffer.from('y') },
    ]);
    const upper = (await entries((await layerBytes(base, { fromUpper: true })).bytes)).map((e) => `${e.type} ${e.path} ${e.size}`);
    expect(upper).toEqual(['Directory opq/ 0', 'File opq/.wh..wh..opq 0', 'File opq/new 1', 'Directory sub/ 0', 'File sub/.wh.gone 0']);
    // not from an upper dir: the device is kept as is
    const plain = (await entries((await layerBytes(base)).bytes)).map((e) => `${e.type} ${e.path}`);
    expect(plain).toContain('CharacterDevice sub/gone');
    expect(plain).not.toContain('File opq/.wh..wh..opq');
    expect((await stat(path.join(base, 'sub', 'gone'))).isCharacterDevice()).toBe(true);
  });
});
