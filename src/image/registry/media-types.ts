// Manifest and layer media types as registries serve them, the Accept header
// a pull sends, and how a layer's media type says it is compressed. Pure.

export const registryMediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

const m = registryMediaTypes;

/** Every manifest kind we can read, best first. */
export const manifestAccept = [m.ociIndex, m.dockerManifestList, m.ociManifest, m.dockerManifest].join(', ');

export type ManifestKind = 'manifest' | 'index';

export function manifestKind(mediaType: string | undefined): ManifestKind | undefined {
  if (mediaType === m.ociManifest || mediaType === m.dockerManifest) return 'manifest';
  if (mediaType === m.ociIndex || mediaType === m.dockerManifestList) return 'index';
  return undefined;
}

/**
 * The kind of a manifest document: from the body's mediaType when it has
 * one, else from the Content-Type, else from its shape (OCI allows no mediaType).
 */
export function detectManifestKind(body: { mediaType?: unknown; manifests?: unknown; layers?: unknown }, contentType: string | null): ManifestKind | undefined {
  const fromBody = typeof body.mediaType === 'string' ? manifestKind(body.mediaType) : undefined;
  if (fromBody) return fromBody;
  const ct = contentType?.split(';')[0]?.trim();
  const fromHeader = manifestKind(ct);
  if (fromHeader) return fromHeader;
  if (Array.isArray(body.manifests)) return 'index';
  if (Array.isArray(body.layers)) return 'manifest';
  return undefined;
}

export type Compression = 'none' | 'gzip' | 'zstd';

export function layerCompression(mediaType: string): Compression | undefined {
  switch (mediaType) {
    case m.ociLayer:
    case m.dockerLayer:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar':
      return 'none';
    case m.ociLayerGzip:
    case m.dockerLayerGzip:
    case m.dockerForeignLayerGzip:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip':
      return 'gzip';
    case m.ociLayerZstd:
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd':
      return 'zstd';
    default:
      return undefined;
  }
}

/** Compression from the first bytes, for registries that mislabel layers. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/** The media type a layer is pushed with: gzip in the family of its manifest. */
export function pushedLayerMediaType(manifestMediaType: string): string {
  return manifestMediaType === m.dockerManifest ? m.dockerLayerGzip : m.ociLayerGzip;
}

/** The uncompressed media type in the family of a (pulled) manifest. */
export function storedLayerMediaType(manifestMediaType: string): string {
  return manifestMediaType === m.dockerManifest ? m.dockerLayer : m.ociLayer;
}
