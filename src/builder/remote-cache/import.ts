// --cache-from: read a cache manifest (registry or OCI layout folder), and
// for every step of the plan whose key it has and the local cache lacks,
// bring the step's layer into the store by its diffID — downloaded and
// verified against the compressed digest first, then checked against the
// diffID while it is stored, as pull does — and record the key in the local
// cache index. The executor then sees ordinary cache hits.
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { copyFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import { sha256, type Digest } from '../../image/digest.js';
import { decompress } from '../../image/decompress.js';
import { mediaTypes, type Descriptor, type ImageIndex, type Manifest } from '../../image/oci.js';
import type { ImageStore } from '../../image/store.js';
import { BuildCache } from '../cache.js';
import type { BuildPlan } from '../plan-types.js';
import { mapLimit } from '../../image/registry/limit.js';
import { cacheConfigMediaType, parseCacheConfig, type CacheConfig, type CacheRecord } from './records.js';
import type { CacheSpec } from './spec.js';

/** a cache that was found: its records, and a way to fetch one layer's bytes (verified against `desc`) into a file */
export interface CacheSource {
  where: string;
  config: CacheConfig;
  /** the manifest's layer descriptor of each diffID */
  layers: Map<Digest, Descriptor>;
  fetchLayer(desc: Descriptor, file: string): Promise<void>;
}

export interface CacheImportResult {
  where: string;
  /** steps of this plan the cache had */
  matched: number;
  /** layers brought into the store */
  fetched: number;
}

function cacheError(where: string, why: string, cause?: unknown): TsbuildError {
  return new TsbuildError('build', 'CACHE_INVALID', `build cache ${where}: ${why}`, { cause });
}

function sourceFrom(where: string, manifest: Manifest, configBytes: Buffer, fetchLayer: CacheSource['fetchLayer']): CacheSource {
  if (manifest.config?.mediaType !== cacheConfigMediaType) throw cacheError(where, `not a tsbuild build cache (its config is ${manifest.config?.mediaType})`);
  const config = parseCacheConfig(configBytes, where);
  if (config.rootfs.diff_ids.length !== manifest.layers.length) throw cacheError(where, `the config names ${config.rootfs.diff_ids.length} layers, the manifest ${manifest.layers.length}`);
  const layers = new Map(config.rootfs.diff_ids.map((d, i) => [d, manifest.layers[i] as Descriptor]));
  return { where, config, layers, fetchLayer };
}

async function openRegistry(ref: string, env: NodeJS.ProcessEnv): Promise<CacheSource> {
  const { parseRef, withDefaultTag, formatRef } = await import('../../image/refs.js');
  const { RegistryClient } = await import('../../image/registry/client.js');
  const { endpointFor, referenceOf } = await import('../../image/registry/endpoint.js');
  const { loadCredentials } = await import('../../image/registry/credentials.js');
  const { fetchManifest } = await import('../../image/registry/pull.js');
  const { downloadVerified, fetchVerifiedBlob } = await import('../../image/registry/download.js');
  const r = withDefaultTag(parseRef(ref));
  const client = new RegistryClient(endpointFor(r), { credentials: await loadCredentials(env, r.domain), actions: ['pull'] });
  const where = formatRef(r);
  const top = await fetchManifest(client, referenceOf(r));
  if (top.kind !== 'manifest') throw cacheError(where, 'it is an index, not a tsbuild cache manifest');
  const manifest = top.json as unknown as Manifest;
  const configBytes = await fetchVerifiedBlob(client, manifest.config, 'cache config');
  return sourceFrom(where, manifest, configBytes, (desc, file) => downloadVerified(client, desc, file));
}

async function openLayout(dir: string): Promise<CacheSource> {
  const where = `type=local,src=${dir}`;
  const blob = (d: string) => path.join(dir, 'blobs', 'sha256', d.replace(/^sha256:/, ''));
  const readVerified = async (desc: Descriptor): Promise<Buffer> => {
    const bytes = await readFile(blob(desc.digest)).catch((err: unknown) => {
      throw cacheError(where, `blob ${desc.digest} is missing`, err);
    });
    if (sha256(bytes) !== desc.digest || bytes.length !== desc.size) throw cacheError(where, `blob ${desc.digest} does not match its digest`);
    return bytes;
  };
  let index: ImageIndex;
  try {
    index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8')) as ImageIndex;
  } catch (err) {
    throw cacheError(where, 'no readable index.json (is this a folder written by --cache-to type=local?)', err);
  }
  const entry = index.manifests?.find((m) => m.mediaType === mediaTypes.manifest);
  if (!entry) throw cacheError(where, 'index.json names no manifest');
  const manifest = JSON.parse((await readVerified(entry)).toString('utf8')) as Manifest;
  const configBytes = await readVerified(manifest.config);
  return sourceFrom(where, manifest, configBytes, async (desc, file) => {
    await copyFile(blob(desc.digest), file);
    const h = createHash('sha256');
    let size = 0;
    for await (const c of createReadStream(file)) {
      h.update(c as Buffer);
      size += (c as Buffer).length;
    }
    if (`sha256:${h.digest('hex')}` !== desc.digest || size !== desc.size) throw cacheError(where, `layer ${desc.digest} does not match its digest`);
  });
}

export async function openCache(spec: CacheSpec, env: NodeJS.ProcessEnv): Promise<CacheSource> {
  try {
    return spec.type === 'registry' ? await openRegistry(spec.ref, env) : await openLayout(spec.dir);
  } catch (err) {
    const name = spec.type === 'registry' ? spec.ref : `type=local,src=${spec.dir}`;
    if (err instanceof TsbuildError) throw new TsbuildError(err.category === 'image' ? 'build' : err.category, err.code, `--cache-from ${name}: ${err.message}`, { cause: err });
    throw err;
  }
}

/** brings the layers of the plan's keys that `source` has into the store (3 at a time) and the local cache index */
export async function importCache(store: ImageStore, plan: BuildPlan, source: CacheSource): Promise<CacheImportResult> {
  const cache = new BuildCache(store.root);
  const byKey = new Map(source.config.records.map((r) => [r.key, r]));
  const wanted: CacheRecord[] = [];
  for (const stage of plan.stages) {
    for (const step of stage.steps) {
      if (step.op.type === 'meta' || step.op.type === 'from') continue;
      const rec = byKey.get(step.key);
      if (!rec || wanted.includes(rec)) continue;
      const local = await cache.get(step.key);
      if (local && (!local.layer || (await store.hasBlob(local.layer.digest)))) continue;
      wanted.push(rec);
    }
  }
  const diffIds = [...new Set(wanted.flatMap((r) => (r.diffId ? [r.diffId] : [])))];
  const missing: Digest[] = [];
  for (const d of diffIds) if (!(await store.hasBlob(d))) missing.push(d);
  const tmp = await store.tempDir('cache-from');
  try {
    await mapLimit(missing, 3, async (diffId, i) => {
      const desc = source.layers.get(diffId) as Descriptor;
      const file = path.join(tmp, `layer-${i}`);
      await source.fetchLayer(desc, file).catch((err: unknown) => {
        if (err instanceof TsbuildError && !err.message.includes(source.where)) throw new TsbuildError(err.category, err.code, `build cache ${source.where}: ${err.message}`, { cause: err });
        throw err;
      });
      // verified as stored: now it may be decompressed, and must hash to the diffID
      const { stream } = await decompress(createReadStream(file), `cache layer ${desc.digest} of ${source.where}`);
      try {
        await store.writeBlob(stream, { expectedDigest: diffId, mediaType: mediaTypes.layer });
      } catch (err) {
        if (err instanceof TsbuildError) throw cacheError(source.where, `layer ${desc.digest} does not unpack to its diffID ${diffId}: ${err.message}`, err);
        throw err;
      } finally {
        await rm(file, { force: true });
      }
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  // recorded only once every layer is in the store
  for (const rec of wanted) {
    if (rec.diffId === undefined) await cache.put({ key: rec.key });
    else await cache.put({ key: rec.key, layer: { diffId: rec.diffId, digest: rec.diffId, size: await store.blobSize(rec.diffId), mediaType: mediaTypes.layer } });
  }
  return { where: source.where, matched: wanted.length, fetched: missing.length };
}
