// Putting one blob into a repository: HEAD first (the registry may have it),
// a cross-repository mount when another repository there has it, else an
// upload session — one PUT for small blobs, PATCH chunks with Content-Range
// then a closing PUT for large ones. A failed upload starts again from a new
// session (retries with backoff on 5xx and dropped connections).
import { open } from 'node:fs/promises';
import type { Digest } from '../digest.js';
import { registryError, type RegistryClient } from './client.js';
import { blobUrl, uploadStartUrl, uploadUrl } from './endpoint.js';
import type { TransferListener } from './events.js';

export interface UploadOptions {
  /** blobs up to this size go in one PUT (default 16 MiB) */
  monolithicMax?: number;
  /** PATCH chunk size (default 16 MiB) */
  chunkSize?: number;
  onEvent?: TransferListener;
}

export type BlobBytes = { buffer: Buffer } | { file: string };

export const defaultMonolithicMax = 16 * 1024 * 1024;
export const defaultChunkSize = 16 * 1024 * 1024;

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
): Promise<'exists' | 'mounted' | 'monolithic' | 'chunked'> {
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
  const chunkSize = options.chunkSize ?? defaultChunkSize;
  const how = desc.size <= monolithicMax ? 'monolithic' : 'chunked';
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
    for (let start = 0; start < desc.size; start += chunkSize) {
      const chunk = await readRange(bytes, start, Math.min(chunkSize, desc.size - start));
      const res = await client.request('PATCH', uploadUrl(client.endpoint, location), {
        headers: { 'content-type': 'application/octet-stream', 'content-range': `${start}-${start + chunk.length - 1}` },
        body: chunk,
        ok: [202],
        noRetry: true,
      });
      await res.body?.cancel();
      location = res.headers.get('location') ?? location;
      emit({ type: 'progress', digest: desc.digest, bytes: start + chunk.length, size: desc.size });
    }
    const res = await client.request('PUT', uploadUrl(client.endpoint, location, { digest: desc.digest }), { ok: [201], noRetry: true, body: '' });
    await res.body?.cancel();
  });
  emit({ type: 'blob', digest: desc.digest, size: desc.size, status: 'done', how });
  return how;
}
