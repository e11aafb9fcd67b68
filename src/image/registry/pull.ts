// Pull: resolve the reference to a manifest (through an index, for the
// wanted platform), fetch and verify the config, download the layers the
// store lacks in parallel — each verified against the registry's digest
// before it is decompressed — and store them uncompressed, named by their
// diffID (the store's convention). The config is stored verbatim, so the
// image ID is the registry's. When the registry's layers are already
// uncompressed its manifest is stored verbatim too; otherwise a manifest
// naming the uncompressed layers is stored, and the registry's manifest
// digest is returned (the repo digest).
import { TsbuildError } from '../../errors.js';
import { parseConfig } from '../config.js';
import { isDigest, sha256, type Digest } from '../digest.js';
import type { Descriptor, Manifest } from '../oci.js';
import { formatRef, type ImageRef } from '../refs.js';
import type { ImageStore } from '../store.js';
import { RegistryClient, registryError } from './client.js';
import { recordRepoDigest } from './repo-digests.js';
import type { Credentials } from './credentials.js';
import { digestMismatch, downloadLayerInto, fetchVerifiedBlob } from './download.js';
import { endpointFor, manifestUrl, referenceOf, type InsecureOptions } from './endpoint.js';
import type { TransferListener } from './events.js';
import { mapLimit } from './limit.js';
import { detectManifestKind, manifestAccept, storedLayerMediaType } from './media-types.js';
import { formatPlatform, hostPlatform, normalizePlatform, platformMatches, selectPlatform, type PlatformSpec } from './platform.js';

export interface PullOptions extends InsecureOptions {
  credentials?: Credentials | undefined;
  /** default: the host's (linux/amd64 here) */
  platform?: PlatformSpec;
  /** whether the platform was asked for (a single-platform image that differs is then an error) */
  platformExplicit?: boolean;
  concurrency?: number;
  onEvent?: TransferListener;
  /** keep no tag (a digest pull, or a build that tags itself) */
  noTag?: boolean;
}

export interface PullResult {
  id: Digest;
  /** the digest of the manifest in the store */
  manifestDigest: Digest;
  /** the digest the registry knows the image by (name@digest) */
  repoDigest: Digest;
  tag?: string;
  layersDownloaded: number;
  layersPresent: number;
}

export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  kind: 'manifest' | 'index';
  mediaType: string;
  json: Record<string, unknown>;
}

export async function fetchManifest(client: RegistryClient, reference: string): Promise<FetchedManifest> {
  const url = manifestUrl(client.endpoint, reference);
  return client.withRetries(url, async () => {
    const res = await client.request('GET', url, { headers: { accept: manifestAccept } });
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256(bytes);
    if (isDigest(reference) && digest !== reference) throw digestMismatch(`manifest of ${client.where}`, { digest: reference, size: bytes.length }, { digest, size: bytes.length });
    const header = res.headers.get('docker-content-digest');
    if (header && isDigest(header) && header !== digest) {
      throw registryError('DIGEST_MISMATCH', `manifest ${reference} of ${client.where}: the registry says its digest is ${header}, but its bytes hash to ${digest}`);
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      throw registryError('MANIFEST_INVALID', `manifest ${reference} of ${client.where} is not JSON`, err);
    }
    const kind = detectManifestKind(json, res.headers.get('content-type'));
    if (!kind) {
      const mt = typeof json.mediaType === 'string' ? json.mediaType : res.headers.get('content-type');
      throw registryError('MANIFEST_UNSUPPORTED', `manifest ${reference} of ${client.where} has an unsupported type '${mt}' (schema 1 manifests are not supported)`);
    }
    const mediaType = (typeof json.mediaType === 'string' && json.mediaType) || res.headers.get('content-type')?.split(';')[0]?.trim() || '';
    return { bytes, digest, kind, mediaType, json };
  });
}

export async function pull(store: ImageStore, ref: ImageRef, options: PullOptions = {}): Promise<PullResult> {
  const emit = options.onEvent ?? (() => undefined);
  const ep = endpointFor(ref, options);
  const client = new RegistryClient(ep, { credentials: options.credentials, actions: ['pull'] });
  const want = normalizePlatform(options.platform ?? hostPlatform());

  let top = await fetchManifest(client, referenceOf(ref));
  if (top.kind === 'index') {
    const entries = (top.json.manifests ?? []) as Descriptor[];
    const entry = selectPlatform(entries, want);
    if (!entry) {
      const have = entries.map((e) => (e.platform ? formatPlatform({ os: e.platform.os, architecture: e.platform.architecture, ...(e.platform.variant ? { variant: e.platform.variant } : {}) }) : '?')).join(', ');
      throw new TsbuildError('image', 'PLATFORM_NOT_FOUND', `${formatRef(ref)} has no image for ${formatPlatform(want)} (it has: ${have})`);
    }
    top = await fetchManifest(client, entry.digest);
    if (top.kind !== 'manifest') throw registryError('MANIFEST_UNSUPPORTED', `${formatRef(ref)}: the index entry for ${formatPlatform(want)} is another index`);
  }
  const repoDigest = top.digest;
  const manifest = top.json as unknown as Manifest;
  if (!manifest.config || !Array.isArray(manifest.layers)) throw registryError('MANIFEST_INVALID', `manifest ${repoDigest} of ${client.where} has no config or layers`);
  emit({ type: 'resolved', reference: formatRef(ref), manifestDigest: repoDigest, platform: formatPlatform(want) });

  const configBytes = await fetchVerifiedBlob(client, manifest.config, 'config');
  let config;
  try {
    config = parseConfig(configBytes, `config ${manifest.config.digest} of ${client.where}`);
  } catch (err) {
    throw registryError('CONFIG_INVALID', (err as Error).message, err);
  }
  if (!platformMatches(want, { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) })) {
    const msg = `${formatRef(ref)} is for ${config.os}/${config.architecture}${config.variant ? `/${config.variant}` : ''}, not ${formatPlatform(want)}`;
    if (options.platformExplicit) throw new TsbuildError('image', 'PLATFORM_MISMATCH', msg);
    emit({ type: 'warning', message: msg });
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw registryError('MANIFEST_INVALID', `manifest ${repoDigest} of ${client.where} has ${manifest.layers.length} layers but its config names ${diffIds.length} diff_ids`);
  }

  let downloaded = 0;
  let present = 0;
  const stored: Descriptor[] = [];
  const results = await mapLimit(manifest.layers, options.concurrency ?? 3, async (layer, i) => {
    const diffId = diffIds[i] as Digest;
    if (await store.hasBlob(diffId)) {
      present++;
      emit({ type: 'blob', digest: layer.digest, size: layer.size, status: 'exists' });
      return { diffId, size: await store.blobSize(diffId) };
    }
    emit({ type: 'blob', digest: layer.digest, size: layer.size, status: 'started', how: 'download' });
    // verified while it streams: gzip, zstd or plain (told by their magic bytes) straight into the store
    let size: number;
    try {
      size = (await downloadLayerInto(client, layer, store, diffId, emit)).size;
    } catch (err) {
      if (err instanceof TsbuildError) throw err;
      throw new TsbuildError('image', 'LAYER_INVALID', `layer ${layer.digest} of ${client.where} could not be decompressed: ${(err as Error).message}`, { cause: err });
    }
    downloaded++;
    emit({ type: 'blob', digest: layer.digest, size: layer.size, status: 'done' });
    return { diffId, size };
  });
  for (const r of results) stored.push({ mediaType: storedLayerMediaType(top.mediaType), digest: r.diffId, size: r.size });

  await store.writeBlob(configBytes, { expectedDigest: manifest.config.digest, mediaType: manifest.config.mediaType });
  const verbatim = manifest.layers.every((l, i) => l.digest === diffIds[i]);
  let localBytes: Buffer;
  if (verbatim) localBytes = top.bytes;
  else {
    const local: Manifest = { schemaVersion: 2, mediaType: top.mediaType, config: manifest.config, layers: stored };
    if (manifest.annotations) local.annotations = manifest.annotations;
    localBytes = Buffer.from(JSON.stringify(local), 'utf8');
  }
  const m = await store.writeBlob(localBytes, { mediaType: top.mediaType });
  const result: PullResult = { id: manifest.config.digest, manifestDigest: m.digest, repoDigest, layersDownloaded: downloaded, layersPresent: present };
  await recordRepoDigest(store, m.digest, `${ref.domain}/${ref.path}`, repoDigest).catch(() => undefined);
  if (ref.tag !== undefined && !options.noTag) result.tag = await store.tag(formatRef({ domain: ref.domain, path: ref.path, tag: ref.tag }), m.digest);
  else await store.addImage(m.digest);
  return result;
}
