// A finished step's directory → a layer in the store: the image store's
// deterministic writer streams the tar (mtimes clamped to SOURCE_DATE_EPOCH,
// overlay whiteouts converted for a RUN's upper dir) into a blob, and the
// directory itself — whose mtimes the writer rewrote to match the tar —
// becomes the unpacked layer for later steps, so nothing is extracted again.
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { layerStream } from '../image/layer/write.js';
import { mediaTypes } from '../image/oci.js';
import type { ImageStore } from '../image/store.js';
import type { Digest } from '../image/digest.js';
import type { CachedLayer } from './cache.js';

export async function isEmptyDir(dir: string): Promise<boolean> {
  return (await readdir(dir)).length === 0;
}

/**
 * Commits `dir` as a layer. Returns undefined when the directory is empty
 * (the step changed nothing). The directory is moved into the store (or
 * removed when the store already has that layer unpacked).
 */
export async function commitLayer(store: ImageStore, dir: string, opts: { fromUpper: boolean; sourceDateEpoch: number }): Promise<CachedLayer | undefined> {
  if (await isEmptyDir(dir)) return undefined;
  const { stream, done } = layerStream(dir, { fromUpper: opts.fromUpper, sourceDateEpoch: opts.sourceDateEpoch, rewriteMtimes: true });
  const desc = await store.writeBlob(stream, { mediaType: mediaTypes.layer });
  const { diffId, size } = await done;
  if (diffId !== desc.digest) throw new Error(`layer digest mismatch: writer ${diffId}, store ${desc.digest}`);
  const final = store.layerDir(diffId);
  const have = await stat(final).then(
    () => true,
    () => false,
  );
  if (!have) {
    try {
      await rename(dir, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  }
  await rm(dir, { recursive: true, force: true });
  return { diffId: diffId as Digest, digest: desc.digest, size, mediaType: mediaTypes.layer };
}
