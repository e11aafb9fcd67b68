// Whiteouts both ways through a real overlay mount: an upper dir becomes a
// layer with .wh. entries; that layer, unpacked as an overlay lower, hides
// the same files again — and equals the vfs application of the same layers.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeLayer, type WriteLayerOptions } from '../../src/image/layer/write.js';
import { extractLayer } from '../../src/image/layer/extract.js';
import { readTar } from '../../src/image/layer/tar-reader.js';
import { missing } from '../helpers/requires.js';

async function layerBytes(dir: string, opts: WriteLayerOptions = {}): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeLayer(dir, out, opts);
  out.end();
  return Buffer.concat(chunks);
}

async function listing(tar: Buffer): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readTar([tar])) out.push(`${e.type} ${e.path}`);
  return out;
}

const mounted = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);

const why = missing('root', 'overlay');
describe.skipIf(!!why)('layer whiteouts through a real overlay mount', () => {
  let base: string;
  const mounts: string[] = [];
  beforeEach(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'layer-ovl-'));
  });
  afterEach(async () => {
    for (const m of mounts.splice(0).reverse()) if (mounted(m)) execFileSync('umount', [m]);
    await rm(base, { recursive: true, force: true });
  });

  const mountOverlay = (lowers: string[], target: string, upper?: { upper: string; work: string }) => {
    const opts = [`lowerdir=${lowers.join(':')}`, ...(upper ? [`upperdir=${upper.upper}`, `workdir=${upper.work}`] : []), 'redirect_dir=off', 'metacopy=off', 'index=off'];
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', opts.join(','), target]);
    mounts.push(target);
  };

  it('upper → .wh. entries → overlay lower and vfs give the same view', async () => {
    const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => path.join(base, d)) as [string, string, string, string];
    for (const d of [lower, upper, work, merged]) await mkdir(d);
    await mkdir(path.join(lower, 'dir'));
    await mkdir(path.join(lower, 'dir2'));
    await writeFile(path.join(lower, 'keep'), 'keep');
    await writeFile(path.join(lower, 'del'), 'del');
    await writeFile(path.join(lower, 'dir', 'x'), 'x');
    await writeFile(path.join(lower, 'dir', 'y'), 'y');
    await writeFile(path.join(lower, 'dir2', 'z'), 'z');
    const lowerTar = await layerBytes(lower, { sourceDateEpoch: 1 });

    mountOverlay([lower], merged, { upper, work });
    try {
      await rm(path.join(merged, 'del'));
      await rm(path.join(merged, 'dir'), { recursive: true });
      await mkdir(path.join(merged, 'dir'));
      await writeFile(path.join(merged, 'dir', 'new'), 'new');
      await writeFile(path.join(merged, 'added'), 'added');
    } finally {
      execFileSync('umount', [merged]);
    }
    expect(mounted(merged)).toBe(false);

    const layer = await layerBytes(upper, { fromUpper: true, sourceDateEpoch: 1 });
    expect(await listing(layer)).toEqual(['File .wh.del', 'File added', 'Directory dir/', 'File dir/.wh..wh..opq', 'File dir/new']);
    expect(layer.includes(Buffer.from('trusted.overlay'))).toBe(false);

    // back: the layer as an overlay lower on top of the first one
    const l1 = path.join(base, 'l1');
    const l2 = path.join(base, 'l2');
    await mkdir(l1);
    await mkdir(l2);
    await extractLayer([lowerTar], l1, { whiteouts: 'overlay' });
    await extractLayer([layer], l2, { whiteouts: 'overlay' });
    const view = path.join(base, 'view');
    await mkdir(view);
    mountOverlay([l2, l1], view);
    let viewTar: Buffer;
    try {
      expect((await readdir(view)).sort()).toEqual(['added', 'dir', 'dir2', 'keep']);
      expect(await readdir(path.join(view, 'dir'))).toEqual(['new']);
      expect(await readFile(path.join(view, 'dir2', 'z'), 'utf8')).toBe('z');
      viewTar = await layerBytes(view, { sourceDateEpoch: 1 });
    } finally {
      execFileSync('umount', [view]);
    }
    // vfs: both layers applied into one directory give the same bytes as the overlay view
    const vfs = path.join(base, 'vfs');
    await mkdir(vfs);
    await extractLayer([lowerTar], vfs, { whiteouts: 'apply' });
    await extractLayer([layer], vfs, { whiteouts: 'apply' });
    const vfsTar = await layerBytes(vfs, { sourceDateEpoch: 1 });
    expect(await listing(vfsTar)).toEqual(await listing(viewTar));
    expect(vfsTar.equals(viewTar)).toBe(true);
    expect(mounted(view)).toBe(false);
  });
});
