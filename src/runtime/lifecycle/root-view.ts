// A container's file system seen from the host while no container process
// has it mounted: an overlay of its layers (topmost first) on a temp dir —
// read-only, or writable through its upper and a fresh work dir (`cp` into a
// stopped container) — with its volumes and bind mounts bound at their
// places (resolved inside the view, read-only ones remounted read-only), all
// unmounted again whatever happens. A single read-only layer needs no mount:
// it is used as it is.
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshWorkDir, overlayOptions } from '../overlay.js';
import { mount, umount } from '../sys/mount.js';
import type { BindRecord } from './record.js';
import { resolveInRoot } from './scoped-path.js';

export interface RootLayers {
  /** read-only layers, topmost first */
  lowers: readonly string[];
  /** writable: the container's upper dir and its work dir (emptied first) */
  upper?: string;
  work?: string;
  binds?: readonly BindRecord[];
}

export async function withRootView<T>(layers: RootLayers, f: (root: string) => T | Promise<T>): Promise<T> {
  const { lowers, upper, work } = layers;
  if (upper === undefined && lowers.length === 1) return f(lowers[0] as string);
  if (upper !== undefined && work !== undefined) freshWorkDir(work);
  const target = mkdtempSync(path.join(tmpdir(), 'tsbuild-root-'));
  try {
    const options = upper !== undefined && work !== undefined ? overlayOptions({ lowers, upper, work }) : overlayOptions({ lowers });
    await mount({ type: 'overlay', source: 'overlay', target, options: [options] });
    const bound: string[] = [];
    try {
      // parents first, as the container had them
      for (const b of [...(layers.binds ?? [])].sort((x, y) => x.target.split('/').length - y.target.split('/').length)) {
        const at = mountPoint(target, b, upper !== undefined);
        if (at === undefined) continue;
        await mount({ bind: true, source: b.source, target: at });
        bound.push(at);
        if (b.readonly) await mount({ source: b.source, target: at, options: ['remount', 'bind', 'ro'] });
      }
      return await f(target);
    } finally {
      for (const at of bound.reverse()) await umount({ target: at });
      await umount({ target });
    }
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}

/** where BIND goes in the view (made when writable and missing), or undefined to skip it */
function mountPoint(view: string, b: BindRecord, writable: boolean): string | undefined {
  const src = statSync(b.source, { throwIfNoEntry: false });
  if (!src) return undefined;
  const at = resolveInRoot(view, b.target);
  const cur = lstatSync(at, { throwIfNoEntry: false });
  if (cur) return cur.isDirectory() === src.isDirectory() ? at : undefined;
  if (!writable) return undefined;
  if (src.isDirectory()) mkdirSync(at, { recursive: true, mode: 0o755 });
  else {
    mkdirSync(path.dirname(at), { recursive: true, mode: 0o755 });
    closeSync(openSync(at, 'wx', 0o644));
  }
  return at;
}
