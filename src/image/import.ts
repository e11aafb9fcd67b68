// `import`: a root file system tar (plain, gzip or zstd) becomes a one-layer
// image. The layer is stored uncompressed, so its digest is its diffID. The
// config holds no wall-clock time (created = SOURCE_DATE_EPOCH or the
// epoch), so the same tarball and changes always give the same image ID.
import { open } from 'node:fs/promises';
import { TsbuildError } from '../errors.js';
import { applyChanges } from './change.js';
import { ociArchitecture, reproducibleCreated, serializeConfig, type ContainerConfig, type ImageConfig } from './config.js';
import { decompress } from './decompress.js';
import { commitImage, type CommittedImage } from './manifest.js';
import { mediaTypes } from './oci.js';
import type { ImageStore } from './store.js';

export interface ImportOptions {
  changes?: readonly string[];
  tags?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** names the input in errors ('-' for stdin) */
  sourceName: string;
  /** the history comment (default: 'imported', plus the changes) */
  message?: string | undefined;
}

/** Builds the config of an imported image (pure). */
export function importConfig(diffId: `sha256:${string}`, changes: readonly string[], env: NodeJS.ProcessEnv, message?: string): ImageConfig {
  const created = reproducibleCreated(env);
  const container: ContainerConfig = applyChanges({}, changes);
  const cfg: ImageConfig = {
    created,
    architecture: ociArchitecture(),
    os: 'linux',
    config: container,
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: 'tsbuild import', comment: message ?? (changes.length > 0 ? `changes: ${changes.join('; ')}` : 'imported') }],
  };
  return cfg;
}

async function looksLikeTar(store: ImageStore, digest: `sha256:${string}`, size: number): Promise<boolean> {
  if (size === 0) return false;
  if (size < 512) return false;
  const fh = await open(store.blobPath(digest), 'r');
  try {
    const b = Buffer.alloc(512);
    await fh.read(b, 0, 512, 0);
    if (b.every((x) => x === 0)) return size >= 1024; // an empty archive
    const magic = b.subarray(257, 262).toString('latin1');
    if (magic === 'ustar') return true;
    // a v7 tar: check the header checksum
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (b[i] as number);
    return parseInt(b.subarray(148, 156).toString('latin1').replace(/\0.*$/, '').trim(), 8) === sum;
  } finally {
    await fh.close();
  }
}

export async function importRootfs(store: ImageStore, source: AsyncIterable<Uint8Array>, options: ImportOptions): Promise<CommittedImage> {
  const { stream } = await decompress(source, options.sourceName);
  const layer = await store.writeBlob(stream, { mediaType: mediaTypes.layer });
  if (!(await looksLikeTar(store, layer.digest, layer.size))) {
    throw new TsbuildError('image', 'NOT_A_TAR', `${options.sourceName} is not a tar archive (plain, gzip or zstd)`);
  }
  const config = importConfig(layer.digest, options.changes ?? [], options.env ?? process.env, options.message);
  return commitImage(store, serializeConfig(config), [layer], options.tags ?? []);
}
