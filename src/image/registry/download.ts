// Downloading a blob while checking it: the size may never exceed the
// descriptor's, and at the end size and sha256 of the bytes as the registry
// stores them must equal the descriptor's. Into a private temp file (the
// caller moves it on only then), or, for layers, decompressed straight into
// the store, committed only when both checks pass.
import { createHash } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { TsbuildError } from '../../errors.js';
import { decompress } from '../decompress.js';
import type { Digest } from '../digest.js';
import type { ImageStore } from '../store.js';
import { registryError, type RegistryClient } from './client.js';
import { blobUrl } from './endpoint.js';
import type { TransferListener } from './events.js';

export function digestMismatch(what: string, want: { digest: string; size: number }, got: { digest: string; size: number }): TsbuildError {
  return new TsbuildError(
    'image',
    'DIGEST_MISMATCH',
    `${what} ${want.digest}: the registry sent ${got.size} bytes with digest ${got.digest}, want ${want.size} bytes with digest ${want.digest}; nothing was stored`,
  );
}

/** Fetches a small blob (config, manifest) into memory and checks it. */
export async function fetchVerifiedBlob(client: RegistryClient, desc: { digest: Digest; size: number }, what: string): Promise<Buffer> {
  return client.withRetries(what, async () => {
    const res = await client.request('GET', blobUrl(client.endpoint, desc.digest));
    const bytes = Buffer.from(await readBody(res));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (digest !== desc.digest || bytes.length !== desc.size) throw digestMismatch(`${what} of ${client.where}`, desc, { digest, size: bytes.length });
    return bytes;
  });
}

async function readBody(res: Response): Promise<ArrayBuffer> {
  try {
    return await res.arrayBuffer();
  } catch (err) {
    throw registryError('REGISTRY_STREAM', `the connection dropped while reading ${res.url}`, err);
  }
}

/** Downloads a blob to `file` (created, replaced on a retry), verified as it streams. */
export async function downloadVerified(client: RegistryClient, desc: { digest: Digest; size: number }, file: string, onEvent?: TransferListener): Promise<void> {
  await client.withRetries(`blob ${desc.digest}`, async () => {
    const res = await client.request('GET', blobUrl(client.endpoint, desc.digest));
    const fh = await open(file, 'w', 0o600);
    const h = createHash('sha256');
    let size = 0;
    let lastReport = 0;
    let ok = false;
    let pending: Uint8Array[] = [];
    let pendingLen = 0;
    try {
      if (!res.body) throw registryError('REGISTRY_STREAM', `GET ${res.url} returned no body`);
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          size += chunk.length;
          if (size > desc.size) {
            await res.body.cancel().catch(() => undefined);
            throw digestMismatch(`blob of ${client.where}`, desc, { digest: '(unfinished: more bytes than the descriptor says)', size });
          }
          h.update(chunk);
          pending.push(chunk);
          pendingLen += chunk.length;
          if (pendingLen >= 1 << 20) {
            await fh.write(Buffer.concat(pending, pendingLen));
            pending = [];
            pendingLen = 0;
          }
          if (onEvent && size - lastReport >= 1 << 20) {
            lastReport = size;
            onEvent({ type: 'progress', digest: desc.digest, bytes: size, size: desc.size });
          }
        }
      } catch (err) {
        if (err instanceof TsbuildError) throw err;
        throw registryError('REGISTRY_STREAM', `the connection dropped after ${size} bytes of blob ${desc.digest}`, err);
      }
      if (pendingLen > 0) await fh.write(Buffer.concat(pending, pendingLen));
      const digest = `sha256:${h.digest('hex')}`;
      if (digest !== desc.digest || size !== desc.size) throw digestMismatch(`blob of ${client.where}`, desc, { digest, size });
      ok = true;
    } finally {
      await fh.close();
      if (!ok) await unlink(file).catch(() => undefined);
    }
  });
}

/**
 * Downloads a layer straight into the store, decompressing as it streams
 * (no temp copy of the compressed bytes): the compressed bytes are counted
 * and hashed on the way, and the end of the input is withheld from the
 * decompressor until their size and sha256 match the descriptor, so the
 * store's temp file is committed only for verified bytes that also hash to
 * `diffId`. When anything fails, the rest of the body is still hashed, so a
 * tampered blob is reported as the digest mismatch it is, not as the
 * decompression error it causes.
 */
export async function downloadLayerInto(
  client: RegistryClient,
  desc: { digest: Digest; size: number },
  store: ImageStore,
  diffId: Digest,
  onEvent?: TransferListener,
): Promise<{ size: number; compression: string }> {
  const what = `layer ${desc.digest} of ${client.where}`;
  return client.withRetries(`blob ${desc.digest}`, async () => {
    const res = await client.request('GET', blobUrl(client.endpoint, desc.digest));
    if (!res.body) throw registryError('REGISTRY_STREAM', `GET ${res.url} returned no body`);
    const body = res.body;
    const reader = (body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    const h = createHash('sha256');
    let size = 0;
    let lastReport = 0;
    let ended = false;
    let mismatch: TsbuildError | undefined;
    let dropped: TsbuildError | undefined;
    const take = async (): Promise<Uint8Array | undefined> => {
      let r: IteratorResult<Uint8Array>;
      try {
        r = await reader.next();
      } catch (err) {
        dropped = registryError('REGISTRY_STREAM', `the connection dropped after ${size} bytes of blob ${desc.digest}`, err);
        throw dropped;
      }
      if (r.done) {
        ended = true;
        const digest = `sha256:${h.digest('hex')}`;
        if (digest !== desc.digest || size !== desc.size) throw (mismatch = digestMismatch(`blob of ${client.where}`, desc, { digest, size }));
        return undefined;
      }
      size += r.value.length;
      if (size > desc.size) {
        await body.cancel().catch(() => undefined);
        throw (mismatch = digestMismatch(`blob of ${client.where}`, desc, { digest: '(unfinished: more bytes than the descriptor says)', size }));
      }
      h.update(r.value);
      if (onEvent && size - lastReport >= 1 << 20) {
        lastReport = size;
        onEvent({ type: 'progress', digest: desc.digest, bytes: size, size: desc.size });
      }
      return r.value;
    };
    // the network's small chunks batched to ~1 MiB: fewer trips through the decompressor's thread pool jobs
    async function* verified(): AsyncGenerator<Uint8Array> {
      let parts: Uint8Array[] = [];
      let len = 0;
      for (let c = await take(); c !== undefined; c = await take()) {
        parts.push(c);
        len += c.length;
        if (len >= 1 << 20) {
          yield Buffer.concat(parts, len);
          parts = [];
          len = 0;
        }
      }
      if (len > 0) yield Buffer.concat(parts, len);
    }
    try {
      const { stream, compression } = await decompress(verified(), what, { gzipChunkSize: 1 << 20 });
      const stored = await store.writeBlob(stream, { expectedDigest: diffId });
      return { size: stored.size, compression };
    } catch (err) {
      if (!mismatch && !dropped && !ended) {
        // find out whether the registry's bytes were wrong: that is the error to report
        try {
          while ((await take()) !== undefined);
        } catch {
          /* mismatch or dropped is set */
        }
      }
      if (mismatch) throw mismatch;
      if (dropped) throw dropped;
      if (err instanceof TsbuildError && err.code === 'DIGEST_MISMATCH') {
        throw new TsbuildError('image', 'DIGEST_MISMATCH', `${what} unpacks to content that does not match the config's diff_id ${diffId}; nothing was stored`, { cause: err });
      }
      throw err;
    }
  });
}
