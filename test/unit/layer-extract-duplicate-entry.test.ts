// Stops: duplicate entries leaving a mix of two versions of a path. Policy (as docker): the later entry wins.
import { lstat, mkdtemp, readdir, readFile, readlink, rm, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractLayer } from '../../src/image/layer/extract.js';
import { encodeTar, type TarEntryMeta } from '../../src/image/layer/tar-format.js';

const meta = (p: string, type: TarEntryMeta['type'], extra: Partial<TarEntryMeta> = {}): TarEntryMeta => ({ path: p, type, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, ...extra });

describe('layer extract: duplicate entries (later wins)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'layer-dup-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));
  const run = (entries: { meta: TarEntryMeta; data?: Buffer }[]) => extractLayer(Readable.from([encodeTar(entries)]), root, { whiteouts: 'apply' });

  it('file then file: the second contents and mode', async () => {
    await run([{ meta: meta('f', 'File', { mode: 0o600 }), data: Buffer.from('first, longer') }, { meta: meta('f', 'File', { mode: 0o755 }), data: Buffer.from('second') }]);
    expect(await readFile(path.join(root, 'f'), 'utf8')).toBe('second');
    expect((await lstat(path.join(root, 'f'))).mode & 0o7777).toBe(0o755);
  });

  it('directory with children then file: the directory is gone', async () => {
    await run([{ meta: meta('d/', 'Directory', { mode: 0o755 }) }, { meta: meta('d/child', 'File'), data: Buffer.from('c') }, { meta: meta('d', 'File'), data: Buffer.from('now a file') }]);
    expect(await readFile(path.join(root, 'd'), 'utf8')).toBe('now a file');
  });

  it('file then directory, and directory then directory merges', async () => {
    await run([
      { meta: meta('x', 'File'), data: Buffer.from('x') },
      { meta: meta('x/', 'Directory', { mode: 0o700 }) },
      { meta: meta('x/a', 'File'), data: Buffer.from('a') },
      { meta: meta('x/', 'Directory', { mode: 0o750 }) },
    ]);
    const st = await lstat(path.join(root, 'x'));
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o7777).toBe(0o750);
    expect(await readdir(path.join(root, 'x'))).toEqual(['a']);
  });

  it('file then symlink, symlink then symlink', async () => {
    await run([
      { meta: meta('s', 'File'), data: Buffer.from('s') },
      { meta: meta('s', 'SymbolicLink', { linkpath: 'one' }) },
      { meta: meta('s', 'SymbolicLink', { linkpath: 'two' }) },
    ]);
    expect(await readlink(path.join(root, 's'))).toBe('two');
  });

  it('FIFO then file (a deferred node is replaced, not written through)', async () => {
    await run([{ meta: meta('p', 'FIFO') }, { meta: meta('p', 'File'), data: Buffer.from('file') }]);
    expect((await lstat(path.join(root, 'p'))).isFile()).toBe(true);
    expect(await readFile(path.join(root, 'p'), 'utf8')).toBe('file');
  });
});

describe('layer extract: existing tree', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'layer-dup2-'));
    await mkdir(path.join(root, 'keep'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));
  it('keeps unrelated lower entries', async () => {
    await extractLayer(Readable.from([encodeTar([{ meta: meta('new', 'File'), data: Buffer.from('n') }])]), root, { whiteouts: 'apply' });
    expect((await readdir(root)).sort()).toEqual(['keep', 'new']);
  });
});
