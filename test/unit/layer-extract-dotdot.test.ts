// Stops: entries whose path climbs out of the target with '..'.
import { mkdtemp, readdir, rm, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractLayer } from '../../src/image/layer/extract.js';
import { encodeTar, type TarEntryMeta } from '../../src/image/layer/tar-format.js';

const file = (p: string, data = 'x'): { meta: TarEntryMeta; data: Buffer } => ({
  meta: { path: p, type: 'File', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1 },
  data: Buffer.from(data),
});

describe('layer extract: .. components', () => {
  let base: string;
  let root: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-dotdot-'));
    root = path.join(base, 'a', 'b', 'root');
    await mkdir(root, { recursive: true });
  });
  afterEach(() => rm(base, { recursive: true, force: true }));

  for (const bad of ['../evil', 'x/../../evil', 'x/../../../../../../../../tmp/evil', './..', 'd/..']) {
    it(`refuses '${bad}' and names it`, async () => {
      const tar = encodeTar([file('ok'), file(bad)]);
      const err = await extractLayer(Readable.from([tar]), root, { whiteouts: 'apply' }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'LAYER_DOTDOT_PATH', category: 'image' });
      expect((err as Error).message).toContain(`'${bad}'`);
      expect(existsSync(path.join(base, 'a', 'b', 'evil'))).toBe(false);
      expect(existsSync(path.join(base, 'a', 'evil'))).toBe(false);
      expect(await readdir(path.join(base, 'a', 'b'))).toEqual(['root']);
    });
  }

  it('accepts ./ and . components that stay inside', async () => {
    const tar = encodeTar([file('./x/./y/z', 'hello'), file('.//w')]);
    await extractLayer(Readable.from([tar]), root, { whiteouts: 'apply' });
    expect((await readdir(root)).sort()).toEqual(['w', 'x']);
    expect(existsSync(path.join(root, 'x', 'y', 'z'))).toBe(true);
  });
});
