// Building OCI manifests and committing a finished image (config + layers
// already stored) to the store.
import type { Digest } from './digest.js';
import { mediaTypes, type Descriptor, type Manifest } from './oci.js';
import type { ImageStore } from './store.js';

export function buildManifest(config: Descriptor, layers: Descriptor[], annotations?: Record<string, string>): Manifest {
  const m: Manifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size, ...(l.annotations ? { annotations: l.annotations } : {}) })),
  };
  if (annotations && Object.keys(annotations).length > 0) m.annotations = annotations;
  return m;
}

export function serializeManifest(m: Manifest): Buffer {
  return Buffer.from(JSON.stringify(m), 'utf8');
}

export interface CommittedImage {
  id: Digest;
  manifestDigest: Digest;
  manifest: Manifest;
}

/**
 * Stores config bytes (verbatim) and a manifest for already-stored layer
 * blobs, then tags the image (or keeps it untagged when no tags are given).
 */
export async function commitImage(
  store: ImageStore,
  configBytes: Uint8Array,
  layers: Descriptor[],
  tags: readonly string[] = [],
): Promise<CommittedImage> {
  const config = await store.writeBlob(configBytes, { mediaType: mediaTypes.config });
  const manifest = buildManifest(config, layers);
  const m = await store.writeBlob(serializeManifest(manifest), { mediaType: mediaTypes.manifest });
  if (tags.length === 0) await store.addImage(m.digest);
  for (const t of tags) await store.tag(t, m.digest);
  return { id: config.digest, manifestDigest: m.digest, manifest };
}
