// The content-addressed image store, in OCI image-layout form:
//   ROOT/image/oci-layout, index.json, blobs/sha256/<hex>   the layout
//   ROOT/image/tmp/                                         temp files (same file system)
//   ROOT/layers/sha256/<diffid-hex>/                        unpacked read-only layers (layer/unpack.ts)
//   ROOT/locks/                                             file locks, writer sessions
// Blobs are written to a temp file while hashed, fsynced, then renamed into
// place; writing a blob twice is a no-op. Tags live in index.json (one
// manifest descriptor per tag, full reference in the `io.containerd.image.name`
// and `org.opencontainers.image.ref.name` annotations; an image without tags
// has one descriptor without them). index.json is only replaced whole
// (atomic rename) under the `index` lock, and only after every blob the new
// entry needs is in place: a tag never points at a missing blob.
import { mkdir, mkdtemp, open, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { createReadStream, type ReadStream } from 'node:fs';
import path from 'node:path';
import { TsbuildError } from '../errors.js';
import { fsyncDir, tempName, writeFileAtomic } from './atomic.js';
import { digestHex, isDigest, parseDigest, sha256, type Digest } from './digest.js';
import { withFileLock } from './lock.js';
import { annotations, mediaTypes, ociLayoutContent, type Descriptor, type ImageIndex, type Manifest } from './oci.js';
import { parseConfig, type ImageConfig } from './config.js';
import { formatRef, normalizeRef, normalizeTag, tryParseRef } from './refs.js';
import { WriterSession } from './session.js';
import { nodeCrypto } from '../lazy-crypto.js';

export interface ResolvedImage {
  /** the image ID: the config digest */
  id: Digest;
  manifestDigest: Digest;
  manifest: Manifest;
  manifestBytes: Buffer;
  config: ImageConfig;
  configBytes: Buffer;
  /** full references tagged to this manifest */
  tags: string[];
}

export interface ImageSummary {
  id: Digest;
  manifestDigest: Digest;
  tags: string[];
  created?: string;
  /** sum of the layer blob sizes */
  size: number;
  /** set when the image cannot be read (then id is the manifest digest) */
  error?: string;
}

export type BlobSource = Uint8Array | AsyncIterable<Uint8Array>;

export interface WriteBlobOptions {
  expectedDigest?: Digest;
  mediaType?: string;
}

function imageError(code: string, message: string, cause?: unknown): TsbuildError {
  return new TsbuildError('image', code, message, { cause });
}

/** The full reference an index descriptor is tagged with, if any. */
export function descriptorTag(d: Descriptor): string | undefined {
  const a = d.annotations ?? {};
  const full = a[annotations.containerdName] ?? a[annotations.refName];
  if (full === undefined) return undefined;
  const ref = tryParseRef(full);
  return ref && ref.tag !== undefined && ref.digest === undefined ? formatRef(ref) : undefined;
}

export class ImageStore {
  readonly imageDir: string;
  readonly blobsDir: string;
  readonly tmpRoot: string;
  readonly layersRoot: string;
  readonly locksDir: string;
  readonly writersDir: string;
  #session: Promise<WriterSession> | undefined;

  private constructor(readonly root: string) {
    this.imageDir = path.join(root, 'image');
    this.blobsDir = path.join(this.imageDir, 'blobs', 'sha256');
    this.tmpRoot = path.join(this.imageDir, 'tmp');
    this.layersRoot = path.join(root, 'layers', 'sha256');
    this.locksDir = path.join(root, 'locks');
    this.writersDir = path.join(this.locksDir, 'writers');
  }

  /** Opens (creating where needed) the store under `root`. */
  static async open(root: string): Promise<ImageStore> {
    const s = new ImageStore(path.resolve(root));
    try {
      for (const d of [s.blobsDir, s.tmpRoot, s.layersRoot, s.writersDir]) await mkdir(d, { recursive: true });
      const layoutFile = path.join(s.imageDir, 'oci-layout');
      if (!(await exists(layoutFile))) await writeFileAtomic(layoutFile, ociLayoutContent, { tempDir: s.tmpRoot });
      const indexFile = path.join(s.imageDir, 'index.json');
      if (!(await exists(indexFile))) {
        await withFileLock(s.locksDir, 'index', async () => {
          if (!(await exists(indexFile))) await s.writeIndex({ schemaVersion: 2, mediaType: mediaTypes.index, manifests: [] });
        });
      }
    } catch (err) {
      if (err instanceof TsbuildError) throw err;
      throw imageError('STORE_OPEN', `cannot open the image store at ${s.root}: ${(err as Error).message}`, err);
    }
    return s;
  }

  /** Ends this process's writer session (see session.ts). Safe to call twice. */
  async close(): Promise<void> {
    const s = this.#session;
    this.#session = undefined;
    if (s) await (await s).end();
  }

  /** Registers this process as a writer once, before its first write. */
  async ensureSession(): Promise<void> {
    this.#session ??= WriterSession.register(this.writersDir);
    await this.#session;
  }

  blobPath(digest: Digest | string): string {
    return path.join(this.blobsDir, digestHex(parseDigest(digest)));
  }

  async hasBlob(digest: Digest | string): Promise<boolean> {
    return exists(this.blobPath(digest));
  }

  /** Where the unpacked layer with this diffID lives (it may not exist yet). */
  layerDir(diffId: Digest | string): string {
    return path.join(this.layersRoot, digestHex(parseDigest(diffId, 'diffID')));
  }

  /** A fresh, private temp folder on the store's file system; the caller removes it. */
  async tempDir(prefix = 'work'): Promise<string> {
    await this.ensureSession();
    return mkdtemp(path.join(this.tmpRoot, `${prefix}-${process.pid}-`));
  }

  /**
   * Stores bytes (or a stream of them) as a blob, hashing while writing.
   * Idempotent: an existing blob is kept (and its mtime refreshed so prune
   * leaves it alone). With expectedDigest, a mismatch is an error and nothing is stored.
   */
  async writeBlob(source: BlobSource, options: WriteBlobOptions = {}): Promise<Descriptor> {
    await this.ensureSession();
    const mediaType = options.mediaType ?? 'application/octet-stream';
    if (source instanceof Uint8Array) {
      const digest = sha256(source);
      checkExpected(digest, options.expectedDigest);
      if (await this.touchIfPresent(digest)) return { mediaType, digest, size: source.length };
      return this.commitTemp(mediaType, async (fh) => {
        await fh.writeFile(source);
        return { digest, size: source.length };
      }, options.expectedDigest);
    }
    return this.commitTemp(mediaType, async (fh) => {
      const h = nodeCrypto().createHash('sha256');
      let size = 0;
      for await (const chunk of source) {
        h.update(chunk);
        size += chunk.length;
        await fh.write(chunk);
      }
      return { digest: `sha256:${h.digest('hex')}` as Digest, size };
    }, options.expectedDigest);
  }

  private async commitTemp(
    mediaType: string,
    fill: (fh: import('node:fs/promises').FileHandle) => Promise<{ digest: Digest; size: number }>,
    expected: Digest | undefined,
  ): Promise<Descriptor> {
    const tmp = path.join(this.tmpRoot, tempName('blob'));
    const fh = await open(tmp, 'wx', 0o644);
    let done = false;
    try {
      let r: { digest: Digest; size: number };
      try {
        r = await fill(fh);
        await fh.sync();
      } finally {
        await fh.close();
      }
      checkExpected(r.digest, expected);
      if (!(await this.touchIfPresent(r.digest))) {
        await rename(tmp, this.blobPath(r.digest));
        done = true;
        await fsyncDir(this.blobsDir);
      }
      return { mediaType, digest: r.digest, size: r.size };
    } finally {
      if (!done) await unlink(tmp).catch(() => undefined);
    }
  }

  private async touchIfPresent(digest: Digest): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(this.blobPath(digest), now, now);
      return true;
    } catch {
      return false;
    }
  }

  async readBlob(digest: Digest | string): Promise<Buffer> {
    try {
      return await readFile(this.blobPath(digest));
    } catch (err) {
      throw imageError('BLOB_MISSING', `blob ${digest} is missing from the store at ${this.root}`, err);
    }
  }

  /** Reads a blob and checks its bytes against its digest. */
  async readVerifiedBlob(digest: Digest): Promise<Buffer> {
    const b = await this.readBlob(digest);
    if (sha256(b) !== digest) throw imageError('BLOB_CORRUPT', `blob ${digest} in ${this.root} does not match its digest`);
    return b;
  }

  blobStream(digest: Digest | string): ReadStream {
    return createReadStream(this.blobPath(digest));
  }

  async blobSize(digest: Digest): Promise<number> {
    return (await stat(this.blobPath(digest))).size;
  }

  // ---- index.json -------------------------------------------------------

  async readIndex(): Promise<ImageIndex> {
    const file = path.join(this.imageDir, 'index.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw imageError('INDEX_MISSING', `cannot read ${file}: ${(err as Error).message}`, err);
    }
    try {
      const idx = JSON.parse(text) as ImageIndex;
      if (!Array.isArray(idx.manifests)) throw new Error('no manifests array');
      return idx;
    } catch (err) {
      throw imageError('INDEX_CORRUPT', `${file} is not a valid OCI index: ${(err as Error).message}`, err);
    }
  }

  private async writeIndex(idx: ImageIndex): Promise<void> {
    await writeFileAtomic(path.join(this.imageDir, 'index.json'), JSON.stringify(idx, null, 2) + '\n', { tempDir: this.tmpRoot });
  }

  /** Read-modify-write of index.json under the index lock. */
  async updateIndex<T>(fn: (idx: ImageIndex) => Promise<T> | T): Promise<T> {
    return withFileLock(this.locksDir, 'index', async () => {
      const idx = await this.readIndex();
      const before = JSON.stringify(idx);
      const result = await fn(idx);
      if (JSON.stringify(idx) !== before) await this.writeIndex(idx);
      return result;
    });
  }

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.locksDir, name, fn);
  }

  // ---- manifests and images ---------------------------------------------

  async readManifest(digest: Digest): Promise<{ manifest: Manifest; bytes: Buffer }> {
    const bytes = await this.readBlob(digest);
    let manifest: Manifest;
    try {
      manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
    } catch (err) {
      throw imageError('MANIFEST_CORRUPT', `manifest ${digest} is not JSON`, err);
    }
    if (!manifest.config || !Array.isArray(manifest.layers)) throw imageError('MANIFEST_CORRUPT', `blob ${digest} is not an image manifest`);
    return { manifest, bytes };
  }

  /** Throws unless the manifest and every blob it names are in the store. */
  async checkComplete(manifestDigest: Digest): Promise<Manifest> {
    const { manifest } = await this.readManifest(manifestDigest);
    for (const d of [manifest.config, ...manifest.layers]) {
      if (!(await this.hasBlob(d.digest))) throw imageError('BLOB_MISSING', `image ${manifestDigest} needs blob ${d.digest}, which is not in the store`);
    }
    return manifest;
  }

  private async loadImage(manifestDigest: Digest, tags: string[]): Promise<ResolvedImage> {
    const { manifest, bytes } = await this.readManifest(manifestDigest);
    const configBytes = await this.readBlob(manifest.config.digest);
    let config: ImageConfig;
    try {
      config = parseConfig(configBytes, `config ${manifest.config.digest}`);
    } catch (err) {
      throw imageError('CONFIG_CORRUPT', (err as Error).message, err);
    }
    return { id: manifest.config.digest, manifestDigest, manifest, manifestBytes: bytes, config, configBytes, tags };
  }

  /** Entries of index.json grouped by manifest: each image once with its tags. */
  async images(): Promise<{ manifestDigest: Digest; descriptor: Descriptor; tags: string[] }[]> {
    const idx = await this.readIndex();
    const byDigest = new Map<string, { manifestDigest: Digest; descriptor: Descriptor; tags: string[] }>();
    for (const d of idx.manifests) {
      if (!isDigest(d.digest)) continue;
      let e = byDigest.get(d.digest);
      if (!e) byDigest.set(d.digest, (e = { manifestDigest: d.digest, descriptor: d, tags: [] }));
      const t = descriptorTag(d);
      if (t !== undefined && !e.tags.includes(t)) e.tags.push(t);
    }
    return [...byDigest.values()];
  }

  /**
   * Finds an image by tag (`busybox`, `acc-busybox:1`), by `name@sha256:…`
   * (manifest digest), by image ID (`sha256:…` or a unique hex prefix) or by
   * manifest digest.
   */
  async resolve(input: string): Promise<ResolvedImage> {
    const all = await this.images();
    const ref = tryParseRef(input);
    if (ref) {
      if (ref.digest !== undefined) {
        const e = all.find((i) => i.manifestDigest === ref.digest);
        if (e) return this.loadImage(e.manifestDigest, e.tags);
        if (await this.hasBlob(ref.digest)) return this.loadImage(ref.digest, []);
        // NAME@<registry digest> of a pulled or pushed image (its local manifest may differ)
        const { resolveRepoDigest } = await import('./registry/repo-digests.js');
        const local = await resolveRepoDigest(this, `${ref.domain}/${ref.path}`, ref.digest);
        const le = local === undefined ? undefined : all.find((i) => i.manifestDigest === local);
        if (le) return this.loadImage(le.manifestDigest, le.tags);
        throw imageError('IMAGE_NOT_FOUND', `no such image: ${input}`);
      }
      const full = formatRef(normalizeRef(input));
      const e = all.find((i) => i.tags.includes(full));
      if (e) return this.loadImage(e.manifestDigest, e.tags);
    }
    const hex = /^(?:sha256:)?([a-f0-9]{4,64})$/.exec(input)?.[1];
    if (hex !== undefined) {
      const matches: { manifestDigest: Digest; tags: string[]; id: Digest }[] = [];
      for (const e of all) {
        const { manifest } = await this.readManifest(e.manifestDigest);
        const id = manifest.config.digest;
        if (digestHex(id).startsWith(hex) || (hex.length === 64 && digestHex(e.manifestDigest) === hex)) {
          if (!matches.some((m) => m.manifestDigest === e.manifestDigest)) matches.push({ ...e, id });
        }
      }
      const ids = new Set(matches.map((m) => m.id));
      if (ids.size > 1) throw imageError('IMAGE_AMBIGUOUS', `image ID prefix '${input}' matches ${ids.size} images`);
      const m = matches[0];
      if (m) return this.loadImage(m.manifestDigest, m.tags);
    }
    throw imageError('IMAGE_NOT_FOUND', `no such image: ${input}`);
  }

  /**
   * Points a tag at a manifest (all of whose blobs must already be stored).
   * A tag that pointed elsewhere moves; the image it left stays as an untagged image.
   */
  async tag(refInput: string, manifestDigest: Digest): Promise<string> {
    const full = normalizeTag(refInput);
    await this.ensureSession();
    return this.updateIndex(async (idx) => {
      const manifest = await this.checkComplete(manifestDigest);
      const size = await this.blobSize(manifestDigest);
      const previous = idx.manifests.find((d) => descriptorTag(d) === full);
      idx.manifests = idx.manifests.filter((d) => descriptorTag(d) !== full && !(d.digest === manifestDigest && descriptorTag(d) === undefined));
      if (previous && previous.digest !== manifestDigest && !idx.manifests.some((d) => d.digest === previous.digest)) {
        idx.manifests.push(untaggedDescriptor(previous.digest, previous.size, previous.mediaType));
      }
      idx.manifests.push({
        mediaType: manifest.mediaType ?? mediaTypes.manifest,
        digest: manifestDigest,
        size,
        annotations: { [annotations.containerdName]: full, [annotations.refName]: full },
      });
      return full;
    });
  }

  /** Keeps an image in the store without a tag (like Docker's `<none>` images). */
  async addImage(manifestDigest: Digest): Promise<void> {
    await this.ensureSession();
    await this.updateIndex(async (idx) => {
      const manifest = await this.checkComplete(manifestDigest);
      if (idx.manifests.some((d) => d.digest === manifestDigest)) return;
      idx.manifests.push(untaggedDescriptor(manifestDigest, await this.blobSize(manifestDigest), manifest.mediaType ?? mediaTypes.manifest));
    });
  }

  /**
   * Removes a tag. When it was the image's last name, the image leaves the
   * index too (its blobs are collected by prune). Returns the manifest it named.
   */
  async untag(refInput: string): Promise<{ manifestDigest: Digest; deleted: boolean } | undefined> {
    const full = normalizeTag(refInput);
    return this.updateIndex((idx) => {
      const d = idx.manifests.find((m) => descriptorTag(m) === full);
      if (!d) return undefined;
      idx.manifests = idx.manifests.filter((m) => m !== d);
      const deleted = !idx.manifests.some((m) => m.digest === d.digest && descriptorTag(m) !== undefined);
      if (deleted) idx.manifests = idx.manifests.filter((m) => m.digest !== d.digest);
      return { manifestDigest: d.digest, deleted };
    });
  }

  /** Removes an image (every tag of the manifest) from the index. */
  async removeImage(manifestDigest: Digest): Promise<string[]> {
    return this.updateIndex((idx) => {
      const tags = idx.manifests.filter((m) => m.digest === manifestDigest).map(descriptorTag).filter((t): t is string => t !== undefined);
      idx.manifests = idx.manifests.filter((m) => m.digest !== manifestDigest);
      return tags;
    });
  }

  async list(): Promise<ImageSummary[]> {
    const out: ImageSummary[] = [];
    for (const e of await this.images()) {
      try {
        const img = await this.loadImage(e.manifestDigest, e.tags);
        const s: ImageSummary = { id: img.id, manifestDigest: e.manifestDigest, tags: e.tags, size: img.manifest.layers.reduce((n, l) => n + l.size, 0) };
        if (img.config.created !== undefined) s.created = img.config.created;
        out.push(s);
      } catch (err) {
        if (!(err instanceof TsbuildError)) throw err;
        out.push({ id: e.manifestDigest, manifestDigest: e.manifestDigest, tags: e.tags, size: 0, error: err.message });
      }
    }
    return out;
  }
}

function untaggedDescriptor(digest: Digest, size: number, mediaType: string): Descriptor {
  return { mediaType, digest, size };
}

function checkExpected(got: Digest, expected: Digest | undefined): void {
  if (expected !== undefined && got !== expected) {
    throw imageError('DIGEST_MISMATCH', `content digest ${got} does not match the expected ${expected}`);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

