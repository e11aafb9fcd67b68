// -o outputs besides the store: type=oci|docker,dest=FILE (an archive that is
// both an OCI layout and a Docker archive, as `tsbuild save` writes),
// type=local,dest=DIR (the image's root file system as files),
// type=tar,dest=FILE (the same as one tar).
import { createWriteStream } from 'node:fs';
import { cp, lchown, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import fg from 'fast-glob';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import * as tar from 'tar';
import { TsbuildError } from '../errors.js';
import type { OutputSpec } from './output-spec.js';
import { selectImages, writeArchive } from '../image/archive-save.js';
import type { ImageStore } from '../image/store.js';
import { layerDirs, mergedView, type LayerInfo } from './rootfs.js';

export { parseOutput, type OutputSpec } from './output-spec.js';

/** fs.cp keeps modes and times but not owners: copy them over */
async function copyOwners(from: string, to: string): Promise<void> {
  const entries = await fg('**', { cwd: from, dot: true, onlyFiles: false, followSymbolicLinks: false, stats: true });
  for (const e of entries) if (e.stats) await lchown(path.join(to, e.path), e.stats.uid, e.stats.gid);
  const root = await lstat(from);
  await lchown(to, root.uid, root.gid);
}

export async function writeOutput(store: ImageStore, spec: OutputSpec, imageId: string, layers: readonly LayerInfo[]): Promise<void> {
  try {
    if (spec.type === 'oci' || spec.type === 'docker') {
      const selected = await selectImages(store, [imageId]);
      const out = createWriteStream(spec.dest);
      await writeArchive(store, selected, out);
      out.end();
      await finished(out);
      return;
    }
    const work = await store.tempDir('export');
    try {
      const view = await mergedView(await layerDirs(store, layers), work);
      try {
        if (spec.type === 'local') {
          await mkdir(spec.dest, { recursive: true });
          await cp(view.dir, spec.dest, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: true });
          await copyOwners(view.dir, spec.dest);
        } else {
          await tar.c({ cwd: view.dir, file: spec.dest, portable: false, preservePaths: false }, await readdir(view.dir));
        }
      } finally {
        await view.release();
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  } catch (err) {
    if (err instanceof TsbuildError) throw err;
    throw new TsbuildError('image', 'OUTPUT_FAILED', `-o type=${spec.type},dest=${spec.dest}: ${(err as Error).message}`, { cause: err });
  }
}
