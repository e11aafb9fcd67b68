// diff, commit and export of a container, from its overlay upper dir and the
// read-only layers below it (kept in the life-cycle record as `lowers`).
//  diff:   A/C/D like `docker diff` (0/0 char devices are overlay whiteouts).
//  commit: the upper dir as one more layer through the deterministic writer
//          (fromUpper converts whiteouts), a history entry, -c changes.
//  export: the container's file system as one tar: a read-only overlay of
//          upper + lowers mounted on the host for the walk, then unmounted.
import { createWriteStream, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import { serializeConfig, type ImageConfig } from '../../image/config.js';
import { applyChanges } from '../../image/change.js';
import { commitImage } from '../../image/manifest.js';
import { layerStream, writeLayer } from '../../image/layer/write.js';
import { mediaTypes } from '../../image/oci.js';
import { ImageStore } from '../../image/store.js';
import type { Digest } from '../../image/digest.js';
import { overlayOptions } from '../overlay.js';
import { mount, umount } from '../sys/mount.js';
import type { ContainerView } from './lookup.js';
import { freeze, thaw } from '../cgroups/control.js';
import { cgroupOf } from './resources.js';
export { overlayLowers } from './overlay-lowers.js';

export type Change = { kind: 'A' | 'C' | 'D'; path: string };

/** the changes an upper dir records over its lowers, sorted by path */
export function upperChanges(upper: string, lowers: readonly string[]): Change[] {
  const out: Change[] = [];
  const inLower = (rel: string) => lowers.some((l) => {
    try {
      lstatSync(path.join(l, rel));
      return true;
    } catch {
      return false;
    }
  });
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(upper, rel)).sort()) {
      const r = path.join(rel, name);
      const st = lstatSync(path.join(upper, r));
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ kind: 'D', path: r });
        continue;
      }
      out.push({ kind: inLower(r) ? 'C' : 'A', path: r });
      if (st.isDirectory()) walk(r);
    }
  };
  walk('/');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function layersOf(v: ContainerView): { upper: string; lowers: string[] } {
  const upper = v.state.paths.upper;
  const lowers = v.record?.lowers;
  if (!upper || !lowers) throw new TsbuildError('runtime', 'NO_LAYERS', `container ${v.id.slice(0, 12)}: no overlay layers recorded (only containers started with run -d and the overlay driver)`);
  return { upper, lowers };
}

export function containerDiff(v: ContainerView): Change[] {
  const { upper, lowers } = layersOf(v);
  return upperChanges(upper, lowers);
}

/** a running container is paused while its upper dir is read (as Docker's commit --pause) */
async function whilePaused<T>(v: ContainerView, f: () => Promise<T>): Promise<T> {
  const h = v.running && !v.record?.paused ? await cgroupOf(v) : undefined;
  if (h) await freeze(h);
  try {
    return await f();
  } finally {
    if (h) await thaw(h);
  }
}

export interface CommitRequest {
  changes: string[];
  message?: string;
  author?: string;
  tag?: string;
}

export async function commitContainer(root: string, v: ContainerView, r: CommitRequest): Promise<string> {
  const { upper } = layersOf(v);
  const store = await ImageStore.open(root);
  try {
    const base = await store.resolve(v.state.image).catch((err: unknown) => {
      throw new TsbuildError('image', 'COMMIT_NO_IMAGE', `container ${v.id.slice(0, 12)} was not run from an image in this store (${v.state.image})`, { cause: err });
    });
    const layer = await whilePaused(v, async () => {
      const { stream, done } = layerStream(upper, { fromUpper: true });
      const desc = await store.writeBlob(stream, { mediaType: mediaTypes.layer });
      const d = await done;
      if (d.diffId !== desc.digest) throw new TsbuildError('internal', 'INTERNAL', `layer digest mismatch: ${d.diffId} vs ${desc.digest}`);
      return desc;
    });
    const created = new Date().toISOString();
    const cfg: ImageConfig = {
      ...base.config,
      created,
      ...(r.author ? { author: r.author } : {}),
      config: applyChanges(base.config.config ?? {}, r.changes),
      rootfs: { type: 'layers', diff_ids: [...base.config.rootfs.diff_ids, layer.digest as Digest] },
      history: [...(base.config.history ?? []), { created, created_by: `tsbuild commit ${v.id.slice(0, 12)}`, ...(r.message ? { comment: r.message } : {}), ...(r.author ? { author: r.author } : {}) }],
    };
    const committed = await commitImage(store, serializeConfig(cfg), [...base.manifest.layers, { mediaType: mediaTypes.layer, digest: layer.digest, size: layer.size }], r.tag ? [r.tag] : []);
    return committed.id;
  } finally {
    await store.close();
  }
}

export async function exportContainer(v: ContainerView, file: string): Promise<void> {
  const { upper, lowers } = layersOf(v);
  const target = mkdtempSync(path.join(v.dir, 'export-'));
  try {
    await whilePaused(v, async () => {
      await mount({ type: 'overlay', source: 'overlay', target, options: [overlayOptions({ lowers: [upper, ...lowers] })] });
      try {
        const out = createWriteStream(file, { mode: 0o644 });
        const closed = new Promise<void>((res, rej) => {
          out.once('close', () => res());
          out.once('error', rej);
        });
        await writeLayer(target, out, { xattrs: false });
        out.end();
        await closed;
      } finally {
        await umount({ target });
      }
    });
  } finally {
    rmSync(target, { recursive: true, force: true });
  }
}
