// Unpacked layers: each layer blob is extracted once, keyed by its diffID,
// into the store's layers folder, as read-only lower material for overlayfs
// (whiteouts as 0/0 char devices, opaque dirs as trusted.overlay.opaque=y).
// It is extracted into a temp dir beside its final place and renamed there,
// so a layer dir that exists is complete; of concurrent callers the first
// rename wins and the others drop their copy. The diffID is verified while
// extracting. Leftover `.tmp-*` dirs (a killed process) are prune's to collect.
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import { decompress } from './compress.js';
import { extractLayer, type ExtractResult, type WhiteoutMode } from './extract.js';

/** The part of the image store unpacking needs (ImageStore satisfies it). */
export interface LayerStore {
  blobPath(digest: string): string;
  layerDir(diffId: string): string;
  /** registers this process as a store writer (see store session), if the store has the notion */
  ensureSession?(): Promise<void>;
}

export interface LayerRef {
  diffId: string;
  blobDigest: string;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Streams the blob (any compression) into `dir`, checking the uncompressed bytes against diffId. */
async function extractBlob(store: LayerStore, layer: LayerRef, dir: string, whiteouts: WhiteoutMode): Promise<ExtractResult> {
  const blob = store.blobPath(layer.blobDigest);
  const { stream } = await decompress(createReadStream(blob, { highWaterMark: 1 << 20 }), `layer blob ${layer.blobDigest}`);
  const result = await extractLayer(stream, dir, { whiteouts });
  if (result.diffId !== layer.diffId) {
    throw new TsbuildError('image', 'LAYER_DIFFID_MISMATCH', `layer blob ${layer.blobDigest} unpacks to ${result.diffId}, but the image says its diffID is ${layer.diffId}`);
  }
  return result;
}

/** Makes sure `store.layerDir(diffId)` holds the unpacked layer; returns its path. */
export async function ensureUnpacked(store: LayerStore, diffId: string, blobDigest: string): Promise<string> {
  const final = store.layerDir(diffId);
  if (await exists(final)) return final;
  await store.ensureSession?.();
  const parent = path.dirname(final);
  await mkdir(parent, { recursive: true });
  const tmp = await mkdtemp(path.join(parent, `.tmp-${path.basename(final).slice(0, 12)}-`));
  try {
    await chmod(tmp, 0o755); // the layer's root, unless the tar has a './' entry
    await extractBlob(store, { diffId, blobDigest }, tmp, 'overlay');
    try {
      await rename(tmp, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      // another process unpacked it first
    }
  } catch (err) {
    if (err instanceof TsbuildError) throw err;
    throw new TsbuildError('image', 'LAYER_UNPACK_FAILED', `cannot unpack layer ${diffId} into ${final}: ${(err as Error).message}`, { cause: err });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return final;
}

/**
 * The vfs storage driver: applies a stack of layers (lowest first) into one
 * plain directory, whiteouts deleting what the layers below put there.
 */
export async function applyLayers(store: LayerStore, layers: readonly LayerRef[], target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const layer of layers) await extractBlob(store, layer, target, 'apply');
}
