// Downloading a blob into a private temp file while checking it: the size
// may never exceed the descriptor's, and at the end size and sha256 of the
// bytes as the registry stores them must equal the descriptor's. Only then
// does the caller decompress it or move it into the store.
import { createHash } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import { TsbuildError } from '../../errors.js';
import type { Digest } from '../digest.js';
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
