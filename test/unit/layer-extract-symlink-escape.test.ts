// Stops: writes through a symlink (from this layer or a lower one) that points outside the target.
import { mkdtemp, readdir, readFile, rm, mkdir, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractLayer } from '../../src/image/layer/extract.js';
import { encodeTar, type TarEntryMeta } from '../../src/image/layer/tar-format.js';

const meta = (p: string, type: TarEntryMeta['type'], extra: Partial<TarEntryMeta> = {}): TarEntryMeta => ({ path: p, type, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, ...extra });

describe('layer extract: symlink escapes', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-symesc-'));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('contains a write through an absolute symlink of the same layer inside the root', async () => {
    const tar = encodeTar([{ meta: meta('link', 'SymbolicLink', { linkpath: outside }) }, { meta: meta('link/evil', 'File'), data: Buffer.from('pwned') }]);
    await extractLayer(Readable.from([tar]), root, { whiteouts: 'apply' });
    expect(await readdir(outside)).toEqual([]);
    // resolved as if the root were '/'
    expect(await readFile(path.join(root, outside, 'evil'), 'utf8')).toBe('pwned');
  });

  it('contains a relative symlink that climbs above the root', async () => {
    const up = '../'.repeat(12) + outside.slice(1);
    const tar = encodeTar([
      { meta: meta('d/', 'Directory', { mode: 0o755 }) },
      { meta: meta('d/up', 'SymbolicLink', { linkpath: up }) },
      { meta: meta('d/up/evil', 'File'), data: Buffer.from('pwned') },
    ]);
    await extractLayer(Readable.from([tar]), root, { whiteouts: 'overlay' });
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile(path.join(root, outside, 'evil'), 'utf8')).toBe('pwned');
  });

  it('contains a chain of symlinks, and a symlink left by a lower layer', async () => {
    await symlink(outside, path.join(root, 'lower-link'));
    const tar = encodeTar([
      { meta: meta('a', 'SymbolicLink', { linkpath: 'b' }) },
      { meta: meta('b', 'SymbolicLink', { linkpath: outside }) },
      { meta: meta('a/evil1', 'File'), data: Buffer.from('1') },
      { meta: meta('lower-link/evil2', 'File'), data: Buffer.from('2') },
    ]);
    await extractLayer(Readable.from([tar]), root, { whiteouts: 'apply' });
    expect(await readdir(outside)).toEqual([]);
    expect((await readdir(path.join(root, outside))).sort()).toEqual(['evil1', 'evil2']);
  });

  it('refuses a symlink loop with a clear error', async () => {
    const tar = encodeTar([
      { meta: meta('l1', 'SymbolicLink', { linkpath: 'l2' }) },
      { meta: meta('l2', 'SymbolicLink', { linkpath: 'l1' }) },
      { meta: meta('l1/x', 'File'), data: Buffer.from('x') },
    ]);
    await expect(extractLayer(Readable.from([tar]), root, { whiteouts: 'apply' })).rejects.toMatchObject({ code: 'LAYER_SYMLINK_LOOP', message: expect.stringContaining("'l1/x'") });
  });
});
