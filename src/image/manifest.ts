// Building OCI manifests and committing a finished image (config + layers
// already stored) to the store.
import { sha256, type Digest } from './digest.js';
import { mediaTypes, type Descriptor, type Manifest } from './oci.js';
import { descriptorTag, type ImageStore } from './store.js';

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
 * With `unlessPresent`, an image whose blobs and tags (or, untagged, whose
 * index entry) are all there already is left as it is: nothing is written.
 */
export async function commitImage(
  store: ImageStore,
  configBytes: Uint8Array,
  layers: Descriptor[],
  tags: readonly string[] = [],
  options: { unlessPresent?: boolean } = {},
): Promise<CommittedImage> {
  const config: Descriptor = { mediaType: mediaTypes.config, digest: sha256(configBytes), size: configBytes.length };
  const manifest = buildManifest(config, layers);
  const manifestBytes = serializeManifest(manifest);
  const image: CommittedImage = { id: config.digest, manifestDigest: sha256(manifestBytes), manifest };
  if (options.unlessPresent && (await isCommitted(store, image, tags))) return image;
  await store.writeBlob(configBytes, { mediaType: mediaTypes.config, expectedDigest: config.digest });
  await store.writeBlob(manifestBytes, { mediaType: mediaTypes.manifest, expectedDigest: image.manifestDigest });
  if (tags.length === 0) await store.addImage(image.manifestDigest);
  for (const t of tags) await store.tag(t, image.manifestDigest);
  return image;
}

async function isCommitted(store: ImageStore, image: CommittedImage, tags: readonly string[]): Promise<boolean> {
  if (!(await store.hasBlob(image.id)) || !(await store.hasBlob(image.manifestDigest))) return false;
  const entries = (await store.readIndex()).manifests.filter((d) => d.digest === image.manifestDigest);
  return tags.length === 0 ? entries.length > 0 : tags.every((t) => entries.some((d) => descriptorTag(d) === t));
}
