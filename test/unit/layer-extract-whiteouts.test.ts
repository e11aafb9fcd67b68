// Whiteouts when extracting: 'apply' (vfs) deletes from the layers below;
// 'overlay' (a read-only lower) keeps them as overlayfs understands them.
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractLayer } from '../../src/image/layer/extract.js';
import { readXattrs } from '../../src/image/layer/native.js';
import { encodeTar, type TarEntryMeta } from '../../src/image/layer/tar-format.js';
import { missing } from '../helpers/requires.js';

const m = (p: string, type: TarEntryMeta['type'], extra: Partial<TarEntryMeta> = {}): TarEntryMeta => ({ path: p, type, mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 1000, ...extra });

describe('layer extract: whiteouts applied onto lower layers (vfs)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'layer-wh-'));
    await mkdir(path.join(root, 'd', 'sub'), { recursive: true });
    await writeFile(path.join(root, 'd', 'old1'), '1');
    await writeFile(path.join(root, 'd', 'sub', 'old2'), '2');
    await writeFile(path.join(root, 'gone'), 'g');
    await mkdir(path.join(root, 'gonedir', 'x'), { recursive: true });
    await writeFile(path.join(root, 'stays'), 's');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('.wh.NAME deletes files and whole directories; the marker itself is not created', async () => {
    await extractLayer([encodeTar([{ meta: m('.wh.gone', 'File') }, { meta: m('.wh.gonedir', 'File') }, { meta: m('.wh.never-existed', 'File') }])], root, { whiteouts: 'apply' });
    expect((await readdir(root)).sort()).toEqual(['d', 'stays']);
  });

  it('.wh..wh..opq hides lower entries even inside a lower directory this layer wrote into', async () => {
    await mkdir(path.join(root, 'd', '-sub'));
    await writeFile(path.join(root, 'd', '-sub', 'old'), 'o');
    const tar = encodeTar([{ meta: m('d/-sub/new', 'File'), data: Buffer.from('n') }, { meta: m('d/.wh..wh..opq', 'File') }]);
    await extractLayer([tar], root, { whiteouts: 'apply' });
    expect(await readdir(path.join(root, 'd'))).toEqual(['-sub']);
    expect(await readdir(path.join(root, 'd', '-sub'))).toEqual(['new']);
  });

  it('only regular files are markers: a directory or symlink named .wh.x is content', async () => {
    await extractLayer([encodeTar([{ meta: m('.wh.gone/', 'Directory') }, { meta: m('.wh.stays', 'SymbolicLink', { linkpath: 'stays' }) }])], root, { whiteouts: 'apply' });
    expect((await readdir(root)).sort()).toEqual(['.wh.gone', '.wh.stays', 'd', 'gone', 'gonedir', 'stays']);
  });

  it('.wh..wh..opq empties the directory of lower entries but keeps what this layer wrote, before or after the marker', async () => {
    const tar = encodeTar([
      { meta: m('d/', 'Directory') },
      { meta: m('d/-early', 'File'), data: Buffer.from('e') }, // sorts before the marker
      { meta: m('d/.wh..wh..opq', 'File') },
      { meta: m('d/late', 'File'), data: Buffer.from('l') },
    ]);
    await extractLayer([tar], root, { whiteouts: 'apply' });
    expect((await readdir(path.join(root, 'd'))).sort()).toEqual(['-early', 'late']);
    expect(await readFile(path.join(root, 'stays'), 'utf8')).toBe('s');
  });
});

const whyRoot = missing('root');
describe.skipIf(!!whyRoot)('layer extract: whiteouts for overlay lowers (root)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'layer-who-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('.wh.NAME becomes a 0/0 char device, .wh..wh..opq the opaque xattr, markers are not created', async () => {
    const tar = encodeTar([
      { meta: m('d/', 'Directory') },
      { meta: m('d/.wh..wh..opq', 'File') },
      { meta: m('d/f', 'File'), data: Buffer.from('f') },
      { meta: m('e/.wh.gone', 'File', { uid: 0, mtime: 1234 }) },
    ]);
    await extractLayer([tar], root, { whiteouts: 'overlay' });
    expect(await readdir(path.join(root, 'd'))).toEqual(['f']);
    expect(await readdir(path.join(root, 'e'))).toEqual(['gone']);
    const st = await lstat(path.join(root, 'e', 'gone'));
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
    expect(st.mtimeMs).toBe(1_234_000);
    const attrs = await readXattrs([path.join(root, 'd'), path.join(root, 'e')]);
    expect(attrs.get(0)?.get('trusted.overlay.opaque')?.toString()).toBe('y');
    expect(attrs.get(1)).toBeUndefined();
  });

  it('ignores trusted.overlay.* xattrs carried by the tar itself', async () => {
    const tar = encodeTar([{ meta: m('d/', 'Directory', { xattrs: new Map([['trusted.overlay.opaque', Buffer.from('y')], ['user.keep', Buffer.from('1')]]) }) }]);
    await extractLayer([tar], root, { whiteouts: 'overlay' });
    const attrs = await readXattrs([path.join(root, 'd')]);
    expect([...(attrs.get(0)?.keys() ?? [])]).toEqual(['user.keep']);
  });
});
