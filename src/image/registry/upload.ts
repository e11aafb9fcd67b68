// Putting one blob into a repository: HEAD first (the registry may have it),
// a cross-repository mount when another repository there has it, else an
// upload session — one PUT for small blobs; for large ones one streamed PATCH
// (what docker and skopeo send: the registry hashes as it writes) or, when a
// chunk size is asked for, PATCH chunks with Content-Range; then a closing
// PUT. A failed upload starts again from a new session (retries with backoff
// on 5xx and dropped connections).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Digest } from '../digest.js';
import { registryError, type RegistryClient } from './client.js';
import { blobUrl, uploadStartUrl, uploadUrl } from './endpoint.js';
import type { TransferListener } from './events.js';

export interface UploadOptions {
  /** blobs up to this size go in one PUT (default 16 MiB) */
  monolithicMax?: number;
  /** PATCH chunks of this size with Content-Range (default: one streamed PATCH) */
  chunkSize?: number;
  onEvent?: TransferListener;
}

export type BlobBytes = { buffer: Buffer } | { file: string };

export const defaultMonolithicMax = 16 * 1024 * 1024;
export type UploadHow = 'monolithic' | 'chunked' | 'streamed';

/** one PATCH of an upload: a whole stream, or a chunk at offset `start` (Content-Range); the next location */
async function patchUpload(client: RegistryClient, location: string, body: ReadableStream<Uint8Array> | Buffer, start?: number): Promise<string> {
  const range: Record<string, string> = start === undefined ? {} : { 'content-range': `${start}-${start + (body as Buffer).length - 1}` };
  const res = await client.request('PATCH', uploadUrl(client.endpoint, location), {
    headers: { 'content-type': 'application/octet-stream', ...range },
    body,
    ok: [202],
    noRetry: true,
  });
  await res.body?.cancel();
  return res.headers.get('location') ?? location;
}

/** the closing PUT, which names the digest */
async function closeUpload(client: RegistryClient, location: string, digest: Digest): Promise<void> {
  const res = await client.request('PUT', uploadUrl(client.endpoint, location, { digest }), { ok: [201], noRetry: true, body: '' });
  await res.body?.cancel();
}

function bytesStream(bytes: BlobBytes): ReadableStream<Uint8Array> {
  if ('buffer' in bytes) return new Blob([bytes.buffer]).stream();
  return Readable.toWeb(createReadStream(bytes.file, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
}

export async function blobExists(client: RegistryClient, digest: Digest, size?: number): Promise<boolean> {
  const res = await client.request('HEAD', blobUrl(client.endpoint, digest), { ok: [404] });
  await res.body?.cancel();
  if (res.status === 404) return false;
  const len = res.headers.get('content-length');
  return size === undefined || len === null || Number(len) === size;
}

/** Tries to mount the blob from another repository; returns the upload location when the registry declines. */
async function tryMount(client: RegistryClient, digest: Digest, from: string): Promise<{ mounted: true } | { mounted: false; location: string }> {
  const res = await client.request('POST', uploadStartUrl(client.endpoint, { digest, from }), { ok: [201, 202] });
  await res.body?.cancel();
  if (res.status === 201) return { mounted: true };
  const location = res.headers.get('location');
  if (!location) throw registryError('REGISTRY_UPLOAD', `POST upload on ${client.where} gave no Location`);
  return { mounted: false, location };
}

/**
 * Mounts the blob from the first source repository that has it; a declined
 * mount's upload session is cancelled. True when mounted.
 */
export async function mountFromAny(client: RegistryClient, desc: { digest: Digest; size: number }, sources: readonly string[], onEvent?: TransferListener): Promise<boolean> {
  for (const from of sources.slice(0, 3)) {
    const r = await tryMount(client, desc.digest, from);
    if (r.mounted) {
      onEvent?.({ type: 'blob', digest: desc.digest, size: desc.size, status: 'mounted' });
      return true;
    }
    const res = await client.request('DELETE', uploadUrl(client.endpoint, r.location), { ok: [404, 405] }).catch(() => undefined);
    await res?.body?.cancel();
  }
  return false;
}

async function startUpload(client: RegistryClient): Promise<string> {
  const res = await client.request('POST', uploadStartUrl(client.endpoint), { ok: [202], noRetry: true });
  await res.body?.cancel();
  const location = res.headers.get('location');
  if (!location) throw registryError('REGISTRY_UPLOAD', `POST upload on ${client.where} gave no Location`);
  return location;
}

async function readRange(bytes: BlobBytes, start: number, length: number): Promise<Buffer> {
  if ('buffer' in bytes) return bytes.buffer.subarray(start, start + length);
  const fh = await open(bytes.file, 'r');
  try {
    const b = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(b, got, length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return b.subarray(0, got);
  } finally {
    await fh.close();
  }
}

/**
 * Makes sure the repository has the blob. Returns how: it was there, it was
 * mounted, or it was uploaded in one piece or in chunks.
 */
export async function ensureBlob(
  client: RegistryClient,
  desc: { digest: Digest; size: number },
  bytes: BlobBytes,
  mountFrom: readonly string[] = [],
  options: UploadOptions = {},
): Promise<'exists' | 'mounted' | UploadHow> {
  const emit = options.onEvent ?? (() => undefined);
  if (await blobExists(client, desc.digest, desc.size)) {
    emit({ type: 'blob', digest: desc.digest, size: desc.size, status: 'exists' });
    return 'exists';
  }
  let firstLocation: string | undefined;
  for (const from of mountFrom) {
    const r = await tryMount(client, desc.digest, from);
    if (r.mounted) {
      emit({ type: 'blob', digest: desc.digest, size: desc.size, status: 'mounted' });
      return 'mounted';
    }
    firstLocation = r.location;
    break;
  }
  const monolithicMax = options.monolithicMax ?? defaultMonolithicMax;
  const chunkSize = options.chunkSize;
  const how: UploadHow = desc.size <= monolithicMax ? 'monolithic' : chunkSize ? 'chunked' : 'streamed';
  emit({ type: 'blob', digest: desc.digest, size: desc.size, status: 'started', how });
  await client.withRetries(`upload of ${desc.digest}`, async (attempt) => {
    let location = attempt === 1 && firstLocation ? firstLocation : await startUpload(client);
    if (how === 'monolithic') {
      const body = await readRange(bytes, 0, desc.size);
      const res = await client.request('PUT', uploadUrl(client.endpoint, location, { digest: desc.digest }), {
        headers: { 'content-type': 'application/octet-stream' },
        body,
        ok: [201],
        noRetry: true,
      });
      await res.body?.cancel();
      return;
    }
    if (how === 'streamed') location = await patchUpload(client, location, bytesStream(bytes));
    else for (let start = 0; start < desc.size; start += chunkSize as number) {
      const chunk = await readRange(bytes, start, Math.min(chunkSize as number, desc.size - start));
      location = await patchUpload(client, location, chunk, start);
      emit({ type: 'progress', digest: desc.digest, bytes: start + chunk.length, size: desc.size });
    }
    await closeUpload(client, location, desc.digest);
  });
  emit({ type: 'blob', digest: desc.digest, size: desc.size, status: 'done', how });
  return how;
}

/**
 * Uploads bytes produced while uploading (a layer being compressed), in one
 * streamed PATCH or in PATCH chunks of `chunkSize`, hashing on the way; the
 * closing PUT names the digest. Used when the digest cannot be known before
 * compressing. The producer is called again when the upload has to start over.
 */
export async function uploadStream(
  client: RegistryClient,
  produce: () => AsyncIterable<Uint8Array>,
  options: UploadOptions & { label?: string } = {},
): Promise<{ digest: Digest; size: number; how: UploadHow }> {
  const emit = options.onEvent ?? (() => undefined);
  const chunkSize = options.chunkSize;
  const how: UploadHow = chunkSize ? 'chunked' : 'streamed';
  const label = options.label ?? 'stream';
  emit({ type: 'blob', digest: label, size: 0, status: 'started', how });
  const r = await client.withRetries(`upload of ${label}`, async () => {
    let location = await startUpload(client);
    const h = createHash('sha256');
    let offset = 0;
    if (!chunkSize) {
      // the producer's own failure (a store read) is reported as itself, not as a dropped connection
      let producerError: unknown;
      async function* hashed(): AsyncGenerator<Uint8Array> {
        try {
          for await (const piece of produce()) {
            h.update(piece);
            offset += piece.byteLength;
            yield piece;
            emit({ type: 'progress', digest: label, bytes: offset, size: 0 });
          }
        } catch (err) {
          producerError = err;
          throw err;
        }
      }
      try {
        location = await patchUpload(client, location, ReadableStream.from(hashed()));
      } catch (err) {
        throw producerError ?? err;
      }
    } else {
      let pending: Buffer[] = [];
      let pendingLen = 0;
      const flush = async (): Promise<void> => {
        if (pendingLen === 0) return;
        const chunk = Buffer.concat(pending, pendingLen);
        pending = [];
        pendingLen = 0;
        location = await patchUpload(client, location, chunk, offset);
        offset += chunk.length;
        emit({ type: 'progress', digest: label, bytes: offset, size: 0 });
      };
      for await (const piece of produce()) {
        h.update(piece);
        pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
        pendingLen += piece.byteLength;
        if (pendingLen >= chunkSize) await flush();
      }
      await flush();
    }
    const digest = `sha256:${h.digest('hex')}` as Digest;
    await closeUpload(client, location, digest);
    return { digest, size: offset };
  });
  emit({ type: 'blob', digest: r.digest, size: r.size, status: 'done', how, label });
  return { ...r, how };
}
