// A container's file system seen from the host while no container process
// has it mounted: an overlay of its layers (topmost first) on a temp dir —
// read-only, or writable through its upper and a fresh work dir (`cp` into a
// stopped container) — unmounted again whatever happens. A single read-only
// layer needs no mount: it is used as it is.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { overlayOptions } from '../overlay.js';
import { mount, umount } from '../sys/mount.js';

export interface RootLayers {
  /** read-only layers, topmost first */
  lowers: readonly string[];
  /** writable: the container's upper dir and its work dir (emptied first) */
  upper?: string;
  work?: string;
}

export async function withRootView<T>(layers: RootLayers, f: (root: string) => T | Promise<T>): Promise<T> {
  const { lowers, upper, work } = layers;
  if (upper === undefined && lowers.length === 1) return f(lowers[0] as string);
  if (upper !== undefined && work !== undefined) {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { mode: 0o755 });
  }
  const target = mkdtempSync(path.join(tmpdir(), 'tsbuild-root-'));
  try {
    const options = upper !== undefined && work !== undefined ? overlayOptions({ lowers, upper, work }) : overlayOptions({ lowers });
    await mount({ type: 'overlay', source: 'overlay', target, options: [options] });
    try {
      return await f(target);
    } finally {
      await umount({ target });
    }
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}
