// Stops: whiteouts deleting host files (through a symlinked parent or a '..'-like name).
import { mkdtemp, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractLayer } from '../../src/image/layer/extract.js';
import { encodeTar, type TarEntryMeta } from '../../src/image/layer/tar-format.js';

const meta = (p: string, type: TarEntryMeta['type'], extra: Partial<TarEntryMeta> = {}): TarEntryMeta => ({ path: p, type, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1, ...extra });

describe('layer extract: whiteout escapes', () => {
  let base: string;
  let root: string;
  let victim: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-whesc-'));
    root = path.join(base, 'root');
    await mkdir(root);
    await mkdir(path.join(base, 'outside'));
    victim = path.join(base, 'outside', 'victim');
    await writeFile(victim, 'alive');
  });
  afterEach(() => rm(base, { recursive: true, force: true }));
  const run = (entries: { meta: TarEntryMeta; data?: Buffer }[]) => extractLayer(Readable.from([encodeTar(entries)]), root, { whiteouts: 'apply' });

  it('a whiteout under a symlink to the host deletes nothing outside', async () => {
    await run([{ meta: meta('lnk', 'SymbolicLink', { linkpath: path.dirname(victim) }) }, { meta: meta('lnk/.wh.victim', 'File') }]);
    expect(await readFile(victim, 'utf8')).toBe('alive');
  });

  it('an opaque marker under a symlink to the host empties nothing outside', async () => {
    await run([{ meta: meta('lnk', 'SymbolicLink', { linkpath: path.dirname(victim) }) }, { meta: meta('lnk/.wh..wh..opq', 'File') }]);
    expect(await readFile(victim, 'utf8')).toBe('alive');
  });

  for (const name of ['.wh..', '.wh.', '../.wh.outside']) {
    it(`refuses the whiteout '${name}'`, async () => {
      await expect(run([{ meta: meta(name, 'File') }])).rejects.toMatchObject({ message: expect.stringContaining(`'${name}'`) });
      expect(await readFile(victim, 'utf8')).toBe('alive');
    });
  }
});
