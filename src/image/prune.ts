// `prune`: removes untagged images (optional), then collects what nothing
// references: blobs not named by any image in index.json, temp leftovers,
// unpacked layers whose diffID no image has, cached gzips of pushed layers
// (registry/gzip-cache.ts) whose diffID no image has, lock candidates of dead
// processes. Runs under the index lock, so no tag can appear meanwhile; a
// file is only removed if it is older than the oldest live writer session
// (see session.ts), so a blob written a moment ago for an image not yet
// tagged is kept.
import { lstat, readdir, readFile, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isDigest, type Digest } from './digest.js';
import { parseOwner, ownerAlive, selfOwner } from './lock.js';
import { gzipCacheDir } from './registry/gzip-cache.js';
import { listSessions } from './session.js';
import { descriptorTag, type ImageStore } from './store.js';
import type { Manifest } from './oci.js';

export interface PruneOptions {
  /** also remove images without tags (default true) */
  untaggedImages?: boolean;
  /** also remove unpacked layers no image uses (default true) */
  layers?: boolean;
}

export interface PruneResult {
  removedImages: Digest[];
  removedBlobs: Digest[];
  removedLayers: string[];
  removedTemp: string[];
  reclaimedBytes: number;
  /** why something was kept back (unreadable manifests, live writers) */
  notes: string[];
}

async function sizeOf(p: string): Promise<number> {
  try {
    const st = await lstat(p);
    if (!st.isDirectory()) return st.size;
    let n = 0;
    for (const e of await readdir(p)) n += await sizeOf(path.join(p, e));
    return n;
  } catch {
    return 0;
  }
}

export async function pruneStore(store: ImageStore, options: PruneOptions = {}): Promise<PruneResult> {
  const result: PruneResult = { removedImages: [], removedBlobs: [], removedLayers: [], removedTemp: [], reclaimedBytes: 0, notes: [] };
  const remove = async (p: string, list: string[], label: string) => {
    const bytes = await sizeOf(p);
    await rm(p, { recursive: true, force: true });
    result.reclaimedBytes += bytes;
    list.push(label);
  };

  await store.updateIndex(async (idx) => {
    if (options.untaggedImages ?? true) {
      const tagged = new Set(idx.manifests.filter((d) => descriptorTag(d) !== undefined).map((d) => d.digest));
      const drop = idx.manifests.filter((d) => !tagged.has(d.digest));
      idx.manifests = idx.manifests.filter((d) => tagged.has(d.digest));
      for (const d of drop) if (!result.removedImages.includes(d.digest)) result.removedImages.push(d.digest);
    }

    // live writer sessions (other than ours) protect anything newer than their start
    const me = selfOwner();
    let cutoff = Date.now();
    let foreignWriters = 0;
    for (const s of await listSessions(store.writersDir)) {
      if (!s.alive) {
        await unlink(s.file).catch(() => undefined);
        continue;
      }
      if (s.pid === me.pid && s.start === me.start) continue;
      foreignWriters++;
      cutoff = Math.min(cutoff, s.startedAtMs - 2000);
    }
    if (foreignWriters > 0) result.notes.push(`${foreignWriters} other tsbuild process(es) are writing: kept files newer than ${new Date(cutoff).toISOString()}`);
    const oldEnough = async (p: string) => {
      try {
        return (await lstat(p)).mtimeMs < cutoff;
      } catch {
        return false;
      }
    };

    // temp files of session registrations interrupted by a kill
    for (const name of await readdir(store.writersDir).catch(() => [] as string[])) {
      const p = path.join(store.writersDir, name);
      if (name.startsWith('.') && (await oldEnough(p))) await remove(p, result.removedTemp, p);
    }

    // mark
    const blobs = new Set<string>();
    const diffIds = new Set<string>();
    let complete = true;
    for (const d of idx.manifests) {
      blobs.add(d.digest);
      try {
        const m = JSON.parse(await readFile(store.blobPath(d.digest), 'utf8')) as Manifest;
        blobs.add(m.config.digest);
        for (const l of m.layers) blobs.add(l.digest);
        const cfg = JSON.parse(await readFile(store.blobPath(m.config.digest), 'utf8')) as { rootfs?: { diff_ids?: string[] } };
        for (const id of cfg.rootfs?.diff_ids ?? []) diffIds.add(id);
      } catch (err) {
        complete = false;
        result.notes.push(`cannot read image ${d.digest} (${(err as Error).message}): blobs and layers were not collected; run 'tsbuild system check'`);
      }
    }

    // sweep
    if (complete) {
      for (const name of await readdir(store.blobsDir)) {
        const p = path.join(store.blobsDir, name);
        const digest = `sha256:${name}`;
        if (isDigest(digest) && blobs.has(digest)) continue;
        if (!(await oldEnough(p))) continue;
        await remove(p, isDigest(digest) ? result.removedBlobs : result.removedTemp, isDigest(digest) ? digest : p);
      }
      if ((options.layers ?? true) && foreignWriters === 0) {
        for (const name of await readdir(store.layersRoot).catch(() => [] as string[])) {
          if (diffIds.has(`sha256:${name}`)) continue;
          await remove(path.join(store.layersRoot, name), result.removedLayers, `sha256:${name}`);
        }
      } else if (foreignWriters > 0) {
        result.notes.push('unpacked layers were not collected while other tsbuild processes run');
      }
      // a push caches each layer's gzip by diffID; an image's removal makes it garbage
      for (const name of await readdir(gzipCacheDir(store)).catch(() => [] as string[])) {
        if (diffIds.has(`sha256:${name}`)) continue;
        const p = path.join(gzipCacheDir(store), name);
        if (await oldEnough(p)) await remove(p, result.removedTemp, p);
      }
    }
    for (const name of await readdir(store.tmpRoot).catch(() => [] as string[])) {
      const p = path.join(store.tmpRoot, name);
      if (await oldEnough(p)) await remove(p, result.removedTemp, p);
    }
    for (const name of await readdir(store.locksDir).catch(() => [] as string[])) {
      if (!name.startsWith('.')) continue;
      const p = path.join(store.locksDir, name);
      const owner = parseOwner(await readFile(p, 'utf8').catch(() => ''));
      if (!ownerAlive(owner)) await remove(p, result.removedTemp, p);
    }
  });
  return result;
}
