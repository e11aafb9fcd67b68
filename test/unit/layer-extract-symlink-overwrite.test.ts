// Stops: a regular file entry written through an existing symlink (same layer or a lower one) at its own path.
import { lstat, mkdtemp, readdir, readFile, rm, mkdir, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractLayer } from '../../src/image/layer/extract.js';
import { encodeTar, type TarEntryMeta } from '../../src/image/layer/tar-format.js';

const meta = (p: string, type: TarEntryMeta['type'], extra: Partial<TarEntryMeta> = {}): TarEntryMeta => ({ path: p, type, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, ...extra });

describe('layer extract: symlink overwrite', () => {
  let base: string;
  let root: string;
  let target: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-symow-'));
    root = path.join(base, 'root');
    await mkdir(root);
    await mkdir(path.join(base, 'outside'));
    target = path.join(base, 'outside', 'target');
    await writeFile(target, 'keep');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('replaces a symlink of the same layer instead of writing through it', async () => {
    const tar = encodeTar([{ meta: meta('f', 'SymbolicLink', { linkpath: target }) }, { meta: meta('f', 'File'), data: Buffer.from('pwned') }]);
    await extractLayer(Readable.from([tar]), root, { whiteouts: 'apply' });
    expect(await readFile(target, 'utf8')).toBe('keep');
    expect((await lstat(path.join(root, 'f'))).isFile()).toBe(true);
    expect(await readFile(path.join(root, 'f'), 'utf8')).toBe('pwned');
  });

  it('replaces a symlink of a lower layer; a directory entry does not follow it either', async () => {
    await symlink(target, path.join(root, 'f'));
    await symlink(path.dirname(target), path.join(root, 'd'));
    const tar = encodeTar([{ meta: meta('d/', 'Directory', { mode: 0o700 }) }, { meta: meta('f', 'File'), data: Buffer.from('pwned') }]);
    await extractLayer(Readable.from([tar]), root, { whiteouts: 'apply' });
    expect(await readFile(target, 'utf8')).toBe('keep');
    expect((await lstat(path.join(base, 'outside'))).mode & 0o777).not.toBe(0o700);
    expect((await lstat(path.join(root, 'd'))).isDirectory()).toBe(true);
    expect(await readdir(path.join(base, 'outside'))).toEqual(['target']);
  });
});
