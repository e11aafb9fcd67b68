// --cache-to: the cache entries of the build's steps (mode min or max) as a
// cache manifest (records.ts), pushed to a registry with the distribution
// client (push-state reuses earlier compressions, so a second export
// recompresses nothing) or written as an OCI layout folder (type=local).
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import type { ImageConfig } from '../../image/config.js';
import { mediaTypes, ociLayoutContent, type Descriptor, type Manifest } from '../../image/oci.js';
import type { ImageStore, ResolvedImage } from '../../image/store.js';
import { BuildCache, type CacheEntry } from '../cache.js';
import type { BuildPlan } from '../plan-types.js';
import { buildCacheConfig, cacheConfigMediaType, cacheKeyAnnotation, exportedSteps } from './records.js';
import type { CacheSpec } from './spec.js';

export interface CacheExportResult {
  /** where it went: the reference or the folder */
  target: string;
  records: number;
  layers: number;
  manifestDigest: string;
}

/** the cache manifest of this build, its blobs written into the store */
async function cacheImage(store: ImageStore, plan: BuildPlan, mode: 'min' | 'max'): Promise<{ image: ResolvedImage; records: number }> {
  const cache = new BuildCache(store.root);
  const steps = exportedSteps(plan, mode);
  const entries = new Map<string, CacheEntry>();
  for (const s of steps) {
    const e = await cache.get(s.key);
    // a step whose layer left the store (prune) is not exported
    if (e && (!e.layer || (await store.hasBlob(e.layer.digest)))) entries.set(s.key, e);
  }
  const config = buildCacheConfig(steps, entries);
  const layerOf = new Map([...entries.values()].flatMap((e) => (e.layer ? [[e.layer.diffId, e.layer] as const] : [])));
  const layers: Descriptor[] = config.rootfs.diff_ids.map((d) => {
    const l = layerOf.get(d) as NonNullable<CacheEntry['layer']>;
    return { mediaType: l.mediaType, digest: l.digest, size: l.size };
  });
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDesc = await store.writeBlob(configBytes, { mediaType: cacheConfigMediaType });
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: mediaTypes.manifest,
    config: { mediaType: cacheConfigMediaType, digest: configDesc.digest, size: configDesc.size },
    layers,
    annotations: { [cacheKeyAnnotation]: String(config.records.length) },
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const m = await store.writeBlob(manifestBytes, { mediaType: mediaTypes.manifest });
  const image: ResolvedImage = {
    id: configDesc.digest,
    manifestDigest: m.digest,
    manifest,
    manifestBytes,
    config: config as unknown as ImageConfig,
    configBytes,
    tags: [],
  } as ResolvedImage;
  return { image, records: config.records.length };
}

export async function exportCache(store: ImageStore, plan: BuildPlan, spec: CacheSpec, env: NodeJS.ProcessEnv): Promise<CacheExportResult> {
  const { image, records } = await cacheImage(store, plan, spec.mode);
  if (spec.type === 'registry') {
    const { parseRef, withDefaultTag } = await import('../../image/refs.js');
    const { push } = await import('../../image/registry/push.js');
    const { loadCredentials } = await import('../../image/registry/credentials.js');
    const dest = withDefaultTag(parseRef(spec.ref));
    try {
      const pushed = await push(store, image, dest, { credentials: await loadCredentials(env, dest.domain) });
      return { target: pushed.reference, records, layers: image.manifest.layers.length, manifestDigest: pushed.manifestDigest };
    } catch (err) {
      if (err instanceof TsbuildError) throw new TsbuildError('build', err.code, `--cache-to ${spec.ref}: ${err.message}`, { cause: err });
      throw err;
    }
  }
  await writeLayout(store, image, spec.dir);
  return { target: spec.dir, records, layers: image.manifest.layers.length, manifestDigest: image.manifestDigest };
}

/** an OCI image layout: blobs as the store holds them (layers uncompressed), index.json naming the cache manifest */
async function writeLayout(store: ImageStore, image: ResolvedImage, dir: string): Promise<void> {
  const blobs = path.join(dir, 'blobs', 'sha256');
  try {
    await mkdir(blobs, { recursive: true });
    const put = async (digest: string) => {
      const dest = path.join(blobs, digest.slice('sha256:'.length));
      const tmp = `${dest}.tmp-${process.pid}`;
      await copyFile(store.blobPath(digest), tmp);
      await rename(tmp, dest);
    };
    for (const l of image.manifest.layers) await put(l.digest);
    await put(image.manifest.config.digest);
    await put(image.manifestDigest);
    await writeFile(path.join(dir, 'oci-layout'), ociLayoutContent);
    const index = { schemaVersion: 2, mediaType: mediaTypes.index, manifests: [{ mediaType: mediaTypes.manifest, digest: image.manifestDigest, size: image.manifestBytes.length }] };
    const tmpIndex = path.join(dir, `index.json.tmp-${process.pid}`);
    await writeFile(tmpIndex, JSON.stringify(index));
    await rename(tmpIndex, path.join(dir, 'index.json'));
  } catch (err) {
    if (err instanceof TsbuildError) throw err;
    throw new TsbuildError('build', 'CACHE_EXPORT', `--cache-to type=local,dest=${dir}: ${(err as Error).message}`, { cause: err });
  }
}
