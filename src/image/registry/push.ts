// Push: an image of the store to a repository. Uncompressed layers are
// gzipped deterministically (parallel independent members, gzip.ts), so
// pushing the same image twice gives the same digests, and the gzip is kept
// (gzip-cache.ts) so a later push of the layer uploads it without compressing
// again; a layer already compressed in the store goes as it is. Blobs go first (HEAD, mount,
// upload; in parallel), the config next, the manifest last with its media type.
import { TsbuildError } from '../../errors.js';
import { sha256, type Digest } from '../digest.js';
import { mediaTypes, type Descriptor, type Manifest } from '../oci.js';
import { formatRef, type ImageRef } from '../refs.js';
import type { ImageStore, ResolvedImage } from '../store.js';
import { RegistryClient, RegistryHttpError, registryError } from './client.js';
import { cacheGzipBuffer, cachedGzip, dropCachedGzip, GzipCacheWriter } from './gzip-cache.js';
import { recordRepoDigest } from './repo-digests.js';
import type { Credentials } from './credentials.js';
import { endpointFor, manifestUrl, type InsecureOptions } from './endpoint.js';
import type { TransferListener } from './events.js';
import { parallelGzip, prefetch } from './gzip.js';
import { mapLimit } from './limit.js';
import { layerCompression, pushedLayerMediaType } from './media-types.js';
import { mountSources, readPushState, recordPush, savePushState } from './push-state.js';
import { blobExists, defaultMonolithicMax, ensureBlob, mountFromAny, uploadStream, type UploadOptions } from './upload.js';

export interface PushOptions extends InsecureOptions, Omit<UploadOptions, 'onEvent'> {
  credentials?: Credentials | undefined;
  concurrency?: number;
  onEvent?: TransferListener;
}

export interface PushResult {
  /** the digest of the manifest as pushed */
  manifestDigest: Digest;
  id: Digest;
  reference: string;
  layers: { diffId: Digest; digest: Digest; size: number; how: string }[];
}

export async function push(store: ImageStore, image: ResolvedImage, dest: ImageRef, options: PushOptions = {}): Promise<PushResult> {
  if (dest.digest !== undefined) throw new TsbuildError('usage', 'USAGE', `cannot push to a digest reference (${formatRef(dest)}): give a tag`);
  const tag = dest.tag ?? 'latest';
  const emit = options.onEvent ?? (() => undefined);
  const ep = endpointFor(dest, options);
  const state = await readPushState(store);
  const allMountSources = [...new Set(image.manifest.layers.flatMap((l) => [l.digest, state.gzip[l.digest]?.digest ?? '']).flatMap((d) => mountSources(state, d, ep.registry, ep.repository)))];
  const client = new RegistryClient(ep, { credentials: options.credentials, actions: ['pull', 'push'], extraPullRepositories: allMountSources });
  await client.ping();

  const manifestMediaType = image.manifest.mediaType ?? mediaTypes.manifest;
  const diffIds = image.config.rootfs.diff_ids;
  const uploadOptions: UploadOptions = { onEvent: emit };
  if (options.monolithicMax !== undefined) uploadOptions.monolithicMax = options.monolithicMax;
  if (options.chunkSize !== undefined) uploadOptions.chunkSize = options.chunkSize;
  const monolithicMax = options.monolithicMax ?? defaultMonolithicMax;
  const pushed = await mapLimit(image.manifest.layers, options.concurrency ?? 3, async (layer, i) => {
      const diffId = (diffIds[i] ?? layer.digest) as Digest;
      const compression = layerCompression(layer.mediaType) ?? 'none';
      if (compression !== 'none') {
        const how = await ensureBlob(client, layer, { file: store.blobPath(layer.digest) }, mountSources(state, layer.digest, ep.registry, ep.repository), uploadOptions);
        return { diffId, digest: layer.digest, size: layer.size, mediaType: layer.mediaType, how };
      }
      const mediaType = pushedLayerMediaType(manifestMediaType);
      // a layer compressed before compresses to the same bytes: ask the registry first
      const known = state.gzip[layer.digest];
      if (known) {
        const desc = { digest: known.digest as Digest, size: known.size };
        const sources = mountSources(state, desc.digest, ep.registry, ep.repository);
        const cached = await cachedGzip(store, layer.digest, known.size);
        if (cached) {
          try {
            const how = await ensureBlob(client, desc, { file: cached }, sources, uploadOptions);
            return { diffId, ...desc, mediaType, how: how === 'exists' || how === 'mounted' ? how : `${how}, cached gzip` };
          } catch (err) {
            // the registry refused the cached bytes (a damaged cache): compress again
            if (!(err instanceof RegistryHttpError) || err.status !== 400) throw err;
            await dropCachedGzip(store, layer.digest);
          }
        } else {
          if (await blobExists(client, desc.digest, desc.size)) {
            emit({ type: 'blob', ...desc, status: 'exists' });
            return { diffId, ...desc, mediaType, how: 'exists' };
          }
          if (await mountFromAny(client, desc, sources, emit)) return { diffId, ...desc, mediaType, how: 'mounted' };
        }
      }
      if (layer.size <= monolithicMax) {
        // small: compress in memory, then HEAD / mount / one PUT
        const parts: Buffer[] = [];
        for await (const m of parallelGzip(store.blobStream(layer.digest))) parts.push(m);
        const gz = Buffer.concat(parts);
        const desc = { digest: sha256(gz), size: gz.length };
        const how = await ensureBlob(client, desc, { buffer: gz }, mountSources(state, desc.digest, ep.registry, ep.repository), uploadOptions);
        await cacheGzipBuffer(store, layer.digest, gz);
        return { diffId, ...desc, mediaType, how };
      }
      // large and never pushed from here: compress while uploading (the digest
      // is known at the end), keeping the gzip for the next push of this layer
      const cache = new GzipCacheWriter(store, layer.digest);
      try {
        const up = await uploadStream(client, () => prefetch(cache.tee(parallelGzip(store.blobStream(layer.digest))), 8), { ...uploadOptions, label: layer.digest });
        await cache.commit();
        return { diffId, digest: up.digest, size: up.size, mediaType, how: up.how };
      } finally {
        await cache.discard();
      }
    });

  const configDesc = image.manifest.config;
  await ensureBlob(client, { digest: configDesc.digest, size: image.configBytes.length }, { buffer: image.configBytes }, [], uploadOptions);

  const layers: Descriptor[] = pushed.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }));
  const manifest: Manifest = { schemaVersion: 2, mediaType: manifestMediaType, config: { mediaType: configDesc.mediaType, digest: configDesc.digest, size: configDesc.size }, layers };
  if (image.manifest.annotations) manifest.annotations = image.manifest.annotations;
  const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  const digest = sha256(bytes);
  const res = await client.request('PUT', manifestUrl(ep, tag), { headers: { 'content-type': manifestMediaType }, body: bytes, ok: [201] });
  await res.body?.cancel();
  const said = res.headers.get('docker-content-digest');
  if (said && said !== digest) throw registryError('DIGEST_MISMATCH', `${client.where}:${tag}: the registry stored the manifest as ${said}, but it hashes to ${digest}`);

  await recordRepoDigest(store, image.manifestDigest, `${dest.domain}/${dest.path}`, digest).catch(() => undefined);
  await savePushState(store, (s) => recordPush(s, `${ep.registry}/${ep.repository}`, pushed.map((l) => ({ diffId: l.diffId, digest: l.digest, size: l.size })))).catch(() => undefined);
  return {
    manifestDigest: digest,
    id: image.id,
    reference: formatRef({ domain: dest.domain, path: dest.path, tag }),
    layers: pushed.map(({ diffId, digest: d, size, how }) => ({ diffId, digest: d, size, how })),
  };
}
