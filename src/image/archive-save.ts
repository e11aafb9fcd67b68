// `save`: one tar that is both an OCI image layout (oci-layout, index.json,
// blobs/sha256/…) and a Docker archive (manifest.json naming the same blobs),
// as Docker 25+ writes it. Each tag gets an index.json descriptor with
// `io.containerd.image.name` = the full reference and
// `org.opencontainers.image.ref.name` = the tag, as Docker writes them.
// Blobs (config and manifest bytes too) are copied verbatim; layers stay
// uncompressed, as Docker's do.
import type { Writable } from 'node:stream';
import { ArchiveWriter } from './archive-tar.js';
import { digestHex, type Digest } from './digest.js';
import { familiarOf } from './display.js';
import { annotations, mediaTypes, ociLayoutContent, type Descriptor, type ImageIndex } from './oci.js';
import { formatRef, normalizeRef, tryParseRef } from './refs.js';
import type { ImageStore, ResolvedImage } from './store.js';

export interface DockerManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

interface Selected {
  image: ResolvedImage;
  /** full references to write for it (the ones asked for, or all its tags when asked by ID) */
  names: string[];
}

/** Resolves what to save: a tag saves that name, an ID or digest saves the image with all its tags. */
export async function selectImages(store: ImageStore, refs: readonly string[]): Promise<Selected[]> {
  const out: Selected[] = [];
  for (const input of refs) {
    const image = await store.resolve(input);
    const ref = tryParseRef(input);
    const full = ref && ref.digest === undefined ? formatRef(normalizeRef(input)) : undefined;
    const names = full !== undefined && image.tags.includes(full) ? [full] : image.tags;
    const prev = out.find((s) => s.image.manifestDigest === image.manifestDigest);
    if (prev) {
      for (const n of names) if (!prev.names.includes(n)) prev.names.push(n);
    } else {
      out.push({ image, names: [...names] });
    }
  }
  return out;
}

const blobName = (d: Digest) => `blobs/sha256/${digestHex(d)}`;

/** Writes the archive for the selected images to `out` (not ended here). */
export async function writeArchive(store: ImageStore, selected: readonly Selected[], out: Writable): Promise<void> {
  const w = new ArchiveWriter(out);
  const blobs = new Map<Digest, number>();
  const index: ImageIndex = { schemaVersion: 2, mediaType: mediaTypes.index, manifests: [] };
  const dockerManifest: DockerManifestEntry[] = [];
  for (const { image, names } of selected) {
    blobs.set(image.manifestDigest, image.manifestBytes.length);
    blobs.set(image.id, image.configBytes.length);
    for (const l of image.manifest.layers) blobs.set(l.digest, l.size);
    const base: Descriptor = { mediaType: image.manifest.mediaType ?? mediaTypes.manifest, digest: image.manifestDigest, size: image.manifestBytes.length };
    if (names.length === 0) index.manifests.push(base);
    for (const n of names) {
      const tag = tryParseRef(n)?.tag ?? 'latest';
      index.manifests.push({ ...base, annotations: { [annotations.containerdName]: n, [annotations.refName]: tag } });
    }
    dockerManifest.push({ Config: blobName(image.id), RepoTags: names.length > 0 ? names.map(familiarOf) : null, Layers: image.manifest.layers.map((l) => blobName(l.digest)) });
  }
  await w.dir('blobs');
  await w.dir('blobs/sha256');
  for (const [digest, size] of [...blobs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await w.fileFrom(blobName(digest), store.blobPath(digest), size, digest);
  }
  await w.file('index.json', Buffer.from(JSON.stringify(index)));
  await w.file('manifest.json', Buffer.from(JSON.stringify(dockerManifest)));
  await w.file('oci-layout', Buffer.from(ociLayoutContent));
  await w.finish();
}
