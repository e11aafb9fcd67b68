// Stops: entries with absolute paths writing anywhere on the host.
import { mkdtemp, readdir, rm, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractLayer } from '../../src/image/layer/extract.js';
import { encodeTar } from '../../src/image/layer/tar-format.js';

describe('layer extract: absolute paths', () => {
  let base: string;
  let root: string;
  let outside: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-abs-'));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    await mkdir(root);
    await mkdir(outside);
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  it('refuses a file entry with an absolute path, naming it', async () => {
    const evil = path.join(outside, 'evil');
    const tar = encodeTar([{ meta: { path: evil, type: 'File', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1 }, data: Buffer.from('pwned') }]);
    const err = await extractLayer(Readable.from([tar]), root, { whiteouts: 'apply' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LAYER_ABSOLUTE_PATH' });
    expect((err as Error).message).toContain(evil);
    expect(await readdir(outside)).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses an absolute directory entry', async () => {
    const tar = encodeTar([{ meta: { path: `${outside}/d/`, type: 'Directory', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1 } }]);
    await expect(extractLayer(Readable.from([tar]), root, { whiteouts: 'overlay' })).rejects.toMatchObject({ code: 'LAYER_ABSOLUTE_PATH' });
    expect(await readdir(outside)).toEqual([]);
  });
});
