// A stage's file system between steps: its layers (unpacked once in the
// store, read-only) and two ways to look at them without a container — a
// lookup of one path through the layers (whiteouts honoured), and a
// read-only merged view (an overlay mount with lowers only) for COPY --from
// and bind mounts of a stage.
import type { Stats } from 'node:fs';
import { lstat, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../image/digest.js';
import { ensureUnpacked } from '../image/layer/unpack.js';
import type { ImageStore } from '../image/store.js';
import { overlayOptions } from '../runtime/overlay.js';
import { mount, umount } from '../runtime/sys/mount.js';

export interface LayerInfo {
  diffId: Digest;
  digest: Digest;
  size: number;
  mediaType: string;
}

/** the unpacked dirs of the layers, topmost first */
export async function layerDirs(store: ImageStore, layersBottomFirst: readonly LayerInfo[]): Promise<string[]> {
  const dirs = await Promise.all(layersBottomFirst.map((l) => ensureUnpacked(store, l.diffId, l.digest)));
  return dirs.reverse();
}

/** lstat of an absolute image path through the layers (topmost first); undefined when absent or whited out */
export async function lookupInLayers(dirsTopFirst: readonly string[], abs: string): Promise<Stats | undefined> {
  const rel = abs.replace(/^\/+/, '');
  if (rel === '') return dirsTopFirst.length > 0 ? lstat(dirsTopFirst[0] as string) : undefined;
  for (const d of dirsTopFirst) {
    const st = await lstat(path.join(d, rel)).catch(() => undefined);
    if (st) {
      if (st.isCharacterDevice() && st.rdev === 0) return undefined;
      return st;
    }
    const wh = await lstat(path.join(d, path.dirname(rel), `.wh.${path.basename(rel)}`)).catch(() => undefined);
    if (wh) return undefined;
  }
  return undefined;
}

export interface MergedView {
  dir: string;
  release(): Promise<void>;
}

/** A read-only merged view of the layers. Needs root (mount) for two layers or more. */
export async function mergedView(dirsTopFirst: readonly string[], workDir: string): Promise<MergedView> {
  if (dirsTopFirst.length === 1) return { dir: dirsTopFirst[0] as string, release: async () => undefined };
  const target = path.join(workDir, 'merged');
  await mkdir(target, { recursive: true });
  if (dirsTopFirst.length === 0) return { dir: target, release: () => rm(target, { recursive: true, force: true }) };
  await mount({ type: 'overlay', source: 'overlay', target, options: [overlayOptions({ lowers: dirsTopFirst }), 'ro'] });
  return {
    dir: target,
    release: async () => {
      await umount({ target }).catch(() => umount({ target, lazy: true }));
      await rm(target, { recursive: true, force: true });
    },
  };
}
