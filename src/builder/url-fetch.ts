// ADD <url> without --checksum is keyed by what the URL serves, as BuildKit
// does: before planning, each such URL is fetched into the store as a blob
// and the planner puts the content's sha256 into the step's key. A small
// record per URL (ROOT/cache/http/<sha256 of the URL>.json) keeps its ETag and
// Last-Modified, so a rebuild asks with If-None-Match / If-Modified-Since and
// a 304 reuses the blob without downloading it again.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatPosition, type SourceRange, TsbuildError } from '../errors.js';
import { writeFileAtomic } from '../image/atomic.js';
import { sha256, type Digest } from '../image/digest.js';
import type { ImageStore } from '../image/store.js';
import { describeFetchError, verifiedFetch, type HttpGet } from '../image/registry/transport.js';

interface UrlRecord {
  version: 1;
  url: string;
  digest: Digest;
  etag?: string;
  lastModified?: string;
}

export interface UrlToFetch {
  url: string;
  range: SourceRange;
}

function recordFile(root: string, url: string): string {
  return path.join(root, 'cache', 'http', `${sha256(url).slice('sha256:'.length)}.json`);
}

async function readRecord(file: string, url: string): Promise<UrlRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(file, 'utf8')) as UrlRecord;
    return r.version === 1 && r.url === url ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The sha256 of what `url` serves now, its bytes stored as a blob in the store. */
export async function fetchUrlContent(store: ImageStore, u: UrlToFetch, fetchImpl: HttpGet = verifiedFetch): Promise<Digest> {
  const where = formatPosition(u.range);
  const file = recordFile(store.root, u.url);
  const old = await readRecord(file, u.url);
  const usable = old && (await store.hasBlob(old.digest)) ? old : undefined;
  const headers: Record<string, string> = {};
  if (usable?.etag) headers['if-none-match'] = usable.etag;
  if (usable?.lastModified) headers['if-modified-since'] = usable.lastModified;
  let res: Response;
  try {
    res = await fetchImpl(u.url, { headers });
  } catch (err) {
    throw new TsbuildError('build', 'ADD_URL', `${where}: ADD ${u.url}: cannot fetch: ${describeFetchError(err)}`, { ranges: [u.range], cause: err });
  }
  if (res.status === 304 && usable) return usable.digest;
  if (!res.ok) throw new TsbuildError('build', 'ADD_URL', `${where}: ADD ${u.url}: HTTP ${res.status} ${res.statusText}`, { ranges: [u.range] });
  const body = Buffer.from(await res.arrayBuffer());
  const desc = await store.writeBlob(body, { mediaType: 'application/octet-stream' });
  const rec: UrlRecord = { version: 1, url: u.url, digest: desc.digest };
  const etag = res.headers.get('etag');
  const lastModified = res.headers.get('last-modified');
  if (etag) rec.etag = etag;
  if (lastModified) rec.lastModified = lastModified;
  if (JSON.stringify(rec) !== JSON.stringify(old)) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify(rec));
  }
  return desc.digest;
}
