// `load`: reads archives written by `docker save` (old and 25+), `podman save`
// (docker-archive and oci-archive) and `tsbuild save`, gzip or not. The
// archive is extracted (files, folders, symlinks that stay inside) into a private temp
// folder of the store, then every image is checked and copied in: config
// bytes verbatim (so the image ID survives), layers decompressed to
// uncompressed blobs whose digests must equal the config's diff_ids. Names
// come from index.json annotations (io.containerd.image.name, else a full
// org.opencontainers.image.ref.name as podman writes) or manifest.json RepoTags.
import { createReadStream } from 'node:fs';
import { readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { x as extractTar } from 'tar';
import { TsbuildError } from '../errors.js';
import { parseConfig } from './config.js';
import { decompress } from './decompress.js';
import { HashingStream, parseDigest, sha256, type Digest } from './digest.js';
import { buildManifest, serializeManifest } from './manifest.js';
import { annotations, isIndexMediaType, isManifestMediaType, mediaTypes, type Descriptor, type ImageIndex, type Manifest } from './oci.js';
import { formatRef, normalizeRef, tryParseRef } from './refs.js';
import type { ImageStore } from './store.js';
import { ociArchitecture } from './config.js';

export interface LoadedImage {
  id: Digest;
  manifestDigest: Digest;
  tags: string[];
}

function loadError(what: string, why: string, cause?: unknown): TsbuildError {
  return new TsbuildError('image', 'LOAD_FAILED', `cannot load ${what}: ${why}`, { cause });
}

interface PendingImage {
  /** the manifest to keep verbatim, when the archive has an OCI one */
  manifest?: { bytes: Buffer; parsed: Manifest };
  configPath: string;
  configDigest?: Digest;
  layers: { path: string; digest?: Digest; mediaType?: string }[];
  names: string[];
}

/**
 * Whether `p` is a regular file of the extracted archive. Symlinks are
 * followed (old `docker save` links shared layer.tar files) but must stay
 * inside the extraction folder `root`.
 */
async function isRegularFile(p: string, root: string): Promise<boolean> {
  let real: string;
  try {
    real = await realpath(p);
  } catch {
    return false;
  }
  const realRoot = await realpath(root);
  if (!real.startsWith(realRoot + path.sep)) throw loadError(path.basename(p), `${path.relative(root, p)} links outside the archive`);
  return (await stat(real)).isFile();
}

/** Safe path of a file named inside the archive (no escaping the extraction dir). */
function inside(dir: string, rel: string, what: string): string {
  const p = path.resolve(dir, rel);
  if (!p.startsWith(dir + path.sep)) throw loadError(what, `path '${rel}' points outside the archive`);
  return p;
}

const ociBlob = (dir: string, d: Digest) => path.join(dir, 'blobs', 'sha256', d.slice(7));

async function readJson<T>(p: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(p, 'utf8')) as T;
  } catch (err) {
    throw loadError(what, `${path.basename(p)} is not valid JSON: ${(err as Error).message}`, err);
  }
}

/** A full reference from an index descriptor's annotations, if it carries one. */
function nameFromAnnotations(d: Descriptor): string | undefined {
  const a = d.annotations ?? {};
  for (const v of [a[annotations.containerdName], a[annotations.refName]]) {
    if (v === undefined || !/[/:]/.test(v)) continue; // a bare tag ('latest') names nothing by itself
    const ref = tryParseRef(v);
    if (ref && ref.digest === undefined) return formatRef(normalizeRef(v));
  }
  return undefined;
}

async function pickManifest(dir: string, d: Descriptor, what: string): Promise<{ digest: Digest; bytes: Buffer } | undefined> {
  const digest = parseDigest(d.digest, `digest in ${what}`);
  const file = ociBlob(dir, digest);
  if (!(await isRegularFile(file, dir))) return undefined;
  const bytes = await readFile(file);
  if (sha256(bytes) !== digest) throw loadError(what, `blob ${digest} does not match its digest`);
  const parsed = JSON.parse(bytes.toString('utf8')) as Manifest & ImageIndex;
  if (isIndexMediaType(d.mediaType) || isIndexMediaType(parsed.mediaType) || Array.isArray(parsed.manifests)) {
    const arch = ociArchitecture();
    const candidates = parsed.manifests.filter((m) => isManifestMediaType(m.mediaType) && (!m.platform || (m.platform.os === 'linux' && m.platform.architecture === arch)));
    for (const c of candidates) {
      const got = await pickManifest(dir, c, what);
      if (got) return got;
    }
    return undefined;
  }
  return { digest, bytes };
}

async function planOci(dir: string, what: string): Promise<PendingImage[]> {
  const index = await readJson<ImageIndex>(path.join(dir, 'index.json'), what);
  const byManifest = new Map<Digest, PendingImage>();
  for (const d of index.manifests ?? []) {
    const m = await pickManifest(dir, d, what);
    if (!m) continue;
    let p = byManifest.get(m.digest);
    if (!p) {
      const parsed = JSON.parse(m.bytes.toString('utf8')) as Manifest;
      p = {
        manifest: { bytes: m.bytes, parsed },
        configPath: ociBlob(dir, parseDigest(parsed.config.digest)),
        configDigest: parsed.config.digest,
        layers: parsed.layers.map((l) => ({ path: ociBlob(dir, parseDigest(l.digest)), digest: l.digest, mediaType: l.mediaType })),
        names: [],
      };
      byManifest.set(m.digest, p);
    }
    const name = nameFromAnnotations(d);
    if (name !== undefined && !p.names.includes(name)) p.names.push(name);
  }
  return [...byManifest.values()];
}

interface DockerEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function planDocker(dir: string, what: string): Promise<PendingImage[]> {
  const entries = await readJson<DockerEntry[]>(path.join(dir, 'manifest.json'), what);
  if (!Array.isArray(entries)) throw loadError(what, 'manifest.json is not an array');
  return entries.map((e) => {
    const configPath = inside(dir, e.Config, what);
    const hex = /([a-f0-9]{64})(?:\.json)?$/.exec(e.Config)?.[1];
    const p: PendingImage = { configPath, layers: e.Layers.map((l) => ({ path: inside(dir, l, what) })), names: (e.RepoTags ?? []).map((t) => formatRef(normalizeRef(t))) };
    if (hex) p.configDigest = `sha256:${hex}`;
    return p;
  });
}

/** Copies one pending image into the store; returns its IDs (tagging is left to the caller). */
async function storeImage(store: ImageStore, p: PendingImage, what: string, dir: string): Promise<{ id: Digest; manifestDigest: Digest }> {
  if (!(await isRegularFile(p.configPath, dir))) throw loadError(what, `config ${path.basename(p.configPath)} is missing from the archive`);
  const configBytes = await readFile(p.configPath);
  const id = sha256(configBytes);
  if (p.configDigest !== undefined && id !== p.configDigest) throw loadError(what, `config ${p.configDigest} does not match its digest (${id})`);
  let config;
  try {
    config = parseConfig(configBytes, `config ${id}`);
  } catch (err) {
    throw loadError(what, (err as Error).message, err);
  }
  if (config.rootfs.diff_ids.length !== p.layers.length) {
    throw loadError(what, `image ${id} has ${p.layers.length} layers but its config lists ${config.rootfs.diff_ids.length} diff_ids`);
  }
  const stored: Descriptor[] = [];
  let verbatim = p.manifest !== undefined && p.manifest.parsed.mediaType === mediaTypes.manifest;
  for (const [i, l] of p.layers.entries()) {
    const lwhat = `${what}, layer ${i} of image ${id}`;
    if (!(await isRegularFile(l.path, dir))) throw loadError(lwhat, `${path.relative(path.dirname(p.configPath), l.path)} is missing from the archive`);
    const hashing = new HashingStream();
    const raw = createReadStream(l.path).pipe(hashing);
    const { compression, stream } = await decompress(raw, lwhat);
    const diffId = parseDigest(config.rootfs.diff_ids[i] as string, 'diff_id');
    const d = await store.writeBlob(stream, { mediaType: mediaTypes.layer });
    if (l.digest !== undefined && hashing.digest() !== l.digest) throw loadError(lwhat, `blob does not match its digest ${l.digest} (got ${hashing.digest()})`);
    if (d.digest !== diffId) throw loadError(lwhat, `uncompressed content ${d.digest} does not match diff_id ${diffId}`);
    if (compression !== 'none' || (l.mediaType !== undefined && l.mediaType !== mediaTypes.layer)) verbatim = false;
    stored.push(d);
  }
  await store.writeBlob(configBytes, { mediaType: mediaTypes.config, expectedDigest: id });
  const manifestBytes = verbatim && p.manifest ? p.manifest.bytes : serializeManifest(buildManifest({ mediaType: mediaTypes.config, digest: id, size: configBytes.length }, stored));
  const m = await store.writeBlob(manifestBytes, { mediaType: mediaTypes.manifest });
  return { id, manifestDigest: m.digest };
}

/** Loads every image of an archive (a byte stream: plain, gzip or zstd tar). */
export async function loadArchive(store: ImageStore, source: AsyncIterable<Uint8Array>, what: string): Promise<LoadedImage[]> {
  const dir = await store.tempDir('load');
  try {
    const { stream } = await decompress(source, what);
    try {
      await pipeline(
        Readable.from(stream),
        extractTar({ cwd: dir, strict: false, preserveOwner: false, onwarn: () => undefined, filter: (_p, e) => ('type' in e ? e.type === 'File' || e.type === 'Directory' || e.type === 'SymbolicLink' : true) }),
      );
    } catch (err) {
      if (err instanceof TsbuildError) throw err;
      throw loadError(what, `not a readable tar archive: ${(err as Error).message}`, err);
    }
    let pending: PendingImage[] = [];
    if (await isRegularFile(path.join(dir, 'index.json'), dir)) pending = await planOci(dir, what);
    const dockerPlan = (await isRegularFile(path.join(dir, 'manifest.json'), dir)) ? await planDocker(dir, what) : [];
    if (pending.length === 0) pending = dockerPlan;
    else {
      // Docker 25 writes both: take names from manifest.json where index.json had none
      for (const p of pending) {
        const d = dockerPlan.find((x) => x.configDigest === p.configDigest);
        if (d && p.names.length === 0) p.names.push(...d.names);
      }
    }
    if (pending.length === 0) throw loadError(what, 'no image found (neither an OCI layout with index.json nor a Docker archive with manifest.json)');
    const loaded: LoadedImage[] = [];
    for (const p of pending) {
      const r = await storeImage(store, p, what, dir);
      if (p.names.length === 0) await store.addImage(r.manifestDigest);
      for (const n of p.names) await store.tag(n, r.manifestDigest);
      loaded.push({ ...r, tags: p.names });
    }
    return loaded;
  } finally {
    // retries: after an error node-tar may still be finishing writes in dir
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  }
}

