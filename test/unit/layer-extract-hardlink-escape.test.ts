// Stops: hardlinks to files outside the target (which would expose or let later entries modify host files).
import { mkdtemp, readdir, rm, mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractLayer } from '../../src/image/layer/extract.js';
import { encodeTar, type TarEntryMeta } from '../../src/image/layer/tar-format.js';

const meta = (p: string, type: TarEntryMeta['type'], extra: Partial<TarEntryMeta> = {}): TarEntryMeta => ({ path: p, type, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, ...extra });

describe('layer extract: hardlink escapes', () => {
  let base: string;
  let root: string;
  let secret: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-hlesc-'));
    root = path.join(base, 'root');
    await mkdir(root);
    await mkdir(path.join(base, 'outside'));
    secret = path.join(base, 'outside', 'secret');
    await writeFile(secret, 'secret');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  const run = (entries: { meta: TarEntryMeta; data?: Buffer }[]) => extractLayer(Readable.from([encodeTar(entries)]), root, { whiteouts: 'apply' });

  it('refuses a hardlink target with ..', async () => {
    await expect(run([{ meta: meta('h', 'Link', { linkpath: '../outside/secret' }) }])).rejects.toMatchObject({ code: 'LAYER_DOTDOT_PATH', message: expect.stringContaining("'h'") });
    expect((await stat(secret)).nlink).toBe(1);
  });

  it('refuses an absolute hardlink target', async () => {
    await expect(run([{ meta: meta('h', 'Link', { linkpath: secret }) }])).rejects.toMatchObject({ code: 'LAYER_ABSOLUTE_PATH' });
    expect((await stat(secret)).nlink).toBe(1);
  });

  it('resolves a hardlink target through a symlink inside the root, never to the host file', async () => {
    const err = await run([{ meta: meta('lnk', 'SymbolicLink', { linkpath: path.dirname(secret) }) }, { meta: meta('h', 'Link', { linkpath: 'lnk/secret' }) }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LAYER_BAD_HARDLINK' });
    expect((err as Error).message).toContain("'h'");
    expect((await stat(secret)).nlink).toBe(1);
    expect((await readdir(root)).sort()).toEqual(['lnk']);
  });

  it('links to a file of the layer itself', async () => {
    await run([{ meta: meta('f', 'File'), data: Buffer.from('data') }, { meta: meta('g', 'Link', { linkpath: './f' }) }]);
    const [f, g] = await Promise.all([stat(path.join(root, 'f')), stat(path.join(root, 'g'))]);
    expect(g.ino).toBe(f.ino);
    expect(f.nlink).toBe(2);
  });
});
