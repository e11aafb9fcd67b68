// The client against small HTTP servers on loopback: retries on 5xx and
// dropped connections (and none on 4xx), the Bearer token flow, chunked
// uploads restarted after a failure; and the parallel deterministic gzip.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/image/registry/client.js';
import { endpointFor } from '../../src/image/registry/endpoint.js';
import { blocks, gzipLevel, memberOptions, parallelGzip, prefetch } from '../../src/image/registry/gzip.js';
import { mapLimit } from '../../src/image/registry/limit.js';
import { mountSources, recordPush } from '../../src/image/registry/push-state.js';
import { ensureBlob } from '../../src/image/registry/upload.js';
import { sha256 } from '../../src/image/digest.js';
import { fetchManifest } from '../../src/image/registry/pull.js';
import { downloadVerified } from '../../src/image/registry/download.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;
const servers: http.Server[] = [];

async function serve(handler: Handler): Promise<string> {
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(parts)));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const fast = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

function client(host: string, extra: Partial<ConstructorParameters<typeof RegistryClient>[1]> = {}): { c: RegistryClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const c = new RegistryClient(endpointFor({ domain: host, path: 'team/app' }), {
    actions: ['pull'],
    retry: fast,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { c, sleeps };
}

describe('retries', () => {
  it('retries 5xx with backoff, then succeeds', async () => {
    let n = 0;
    const host = await serve((req, res) => {
      n++;
      res.writeHead(n <= 2 ? 503 : 200).end('{}');
    });
    const { c, sleeps } = client(host);
    await c.ping();
    expect(n).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('retries a dropped connection', async () => {
    let n = 0;
    const host = await serve((req, res) => {
      n++;
      if (n === 1) req.socket.destroy();
      else res.writeHead(200).end('{}');
    });
    const { c, sleeps } = client(host);
    await c.ping();
    expect(n).toBe(2);
    expect(sleeps).toHaveLength(1);
  });

  it('gives up after maxAttempts and names the URL; never retries 404', async () => {
    let n = 0;
    const host = await serve((req, res) => {
      n++;
      if (req.url === '/v2/') res.writeHead(200).end();
      else res.writeHead(req.url?.includes('missing') ? 404 : 502).end('{"errors":[{"code":"UNAVAILABLE","message":"down"}]}');
    });
    const { c } = client(host);
    await expect(c.request('GET', `http://${host}/v2/team/app/manifests/x`)).rejects.toThrow(`GET http://${host}/v2/team/app/manifests/x: 502 UNAVAILABLE: down`);
    expect(n).toBe(1 + fast.maxAttempts);
    n = 0;
    await expect(c.request('GET', `http://${host}/v2/team/app/manifests/missing`)).rejects.toMatchObject({ code: 'REGISTRY_NOT_FOUND' });
    expect(n).toBe(1);
  });

  it('does not multiply retries when a larger unit is retried too', async () => {
    let n = 0;
    const host = await serve((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      n++;
      res.writeHead(503).end();
    });
    const { c } = client(host);
    await expect(fetchManifest(c, 'latest')).rejects.toMatchObject({ code: 'REGISTRY_REQUEST', status: 503 });
    expect(n).toBe(fast.maxAttempts);
  });

  it('retries a body that drops mid-stream as a whole download', async () => {
    const data = randomBytes(200_000);
    let n = 0;
    const host = await serve((req, res) => {
      if (req.url === '/v2/') return void res.writeHead(200).end();
      n++;
      res.writeHead(200, { 'content-length': String(data.length) });
      if (n === 1) {
        res.write(data.subarray(0, 50_000));
        setTimeout(() => req.socket.destroy(), 20);
      } else res.end(data);
    });
    const { c } = client(host);
    const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-dl-'));
    try {
      await downloadVerified(c, { digest: sha256(data), size: data.length }, path.join(dir, 'blob'));
      expect(readFileSync(path.join(dir, 'blob')).equals(data)).toBe(true);
      expect(n).toBe(2);
      await expect(downloadVerified(c, { digest: sha256(Buffer.from('x')), size: data.length }, path.join(dir, 'bad'))).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
      expect(existsSync(path.join(dir, 'bad'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an unreachable registry with the network error', async () => {
    const host = await serve((req, res) => res.end());
    const s = servers.pop() as http.Server;
    await new Promise((r) => s.close(r));
    const { c } = client(host);
    await expect(c.ping()).rejects.toMatchObject({ code: 'REGISTRY_UNREACHABLE', message: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('Bearer token flow', () => {
  function tokenRegistry(log: { auth?: string | undefined; url: string }[]): Handler {
    return (req, res) => {
      const host = req.headers.host as string;
      if (req.url?.startsWith('/token')) {
        log.push({ auth: req.headers.authorization, url: req.url });
        if (req.headers.authorization && req.headers.authorization !== `Basic ${Buffer.from('bob:pw').toString('base64')}`) {
          res.writeHead(401).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: req.headers.authorization ? 'user-token' : 'anon-token' }));
        return;
      }
      const ok = req.headers.authorization === 'Bearer user-token' || (req.headers.authorization === 'Bearer anon-token' && req.method === 'GET');
      if (!ok) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="fake",scope="repository:team/app:pull"` }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
  }

  it('gets an anonymous token with the repository scope', async () => {
    const log: { auth?: string | undefined; url: string }[] = [];
    const host = await serve(tokenRegistry(log));
    const { c } = client(host);
    const res = await c.request('GET', `http://${host}/v2/team/app/manifests/1`);
    expect(res.status).toBe(200);
    expect(log).toHaveLength(1);
    const u = new URL(log[0]!.url, 'http://x');
    expect(u.searchParams.get('service')).toBe('fake');
    expect(u.searchParams.getAll('scope')).toEqual(['repository:team/app:pull']);
    expect(log[0]?.auth).toBeUndefined();
  });

  it('sends Basic credentials to the token server and asks for push with mount sources', async () => {
    const log: { auth?: string | undefined; url: string }[] = [];
    const host = await serve(tokenRegistry(log));
    const { c } = client(host, { credentials: { username: 'bob', password: 'pw' }, actions: ['pull', 'push'], extraPullRepositories: ['team/base'] });
    expect((await c.request('PUT', `http://${host}/v2/team/app/manifests/1`, { body: '{}' })).status).toBe(200);
    const u = new URL(log[0]!.url, 'http://x');
    expect(u.searchParams.getAll('scope')).toEqual(['repository:team/app:pull,push', 'repository:team/base:pull']);
    expect(u.searchParams.get('account')).toBe('bob');
    const bad = client(host, { credentials: { username: 'bob', password: 'wrong' } }).c;
    await expect(bad.ping()).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED', message: expect.stringContaining("refused the login of 'bob'") });
  });
});

describe('uploads', () => {
  it('restarts a chunked upload after a failed PATCH and sends Content-Range chunks', async () => {
    const data = randomBytes(10_000);
    const digest = sha256(data);
    let sessions = 0;
    let failed = false;
    const ranges: string[] = [];
    let stored: Buffer | undefined;
    const uploads = new Map<string, Buffer[]>();
    const host = await serve((req, res, body) => {
      const url = new URL(req.url as string, 'http://x');
      if (url.pathname === '/v2/') return void res.writeHead(200).end();
      if (req.method === 'HEAD') return void res.writeHead(404).end();
      if (req.method === 'POST') {
        const id = `u${++sessions}`;
        uploads.set(id, []);
        return void res.writeHead(202, { location: `/v2/team/app/blobs/uploads/${id}` }).end();
      }
      const id = url.pathname.split('/').pop() as string;
      if (req.method === 'PATCH') {
        if (!failed && ranges.length === 1) {
          failed = true;
          return void res.writeHead(500).end();
        }
        ranges.push(`${id} ${req.headers['content-range']}`);
        uploads.get(id)?.push(body);
        return void res.writeHead(202, { location: `/v2/team/app/blobs/uploads/${id}` }).end();
      }
      if (req.method === 'PUT') {
        stored = Buffer.concat(uploads.get(id) ?? []);
        const ok = url.searchParams.get('digest') === sha256(stored);
        return void res.writeHead(ok ? 201 : 400).end();
      }
      res.writeHead(405).end();
    });
    const { c } = client(host, { actions: ['pull', 'push'] });
    const how = await ensureBlob(c, { digest, size: data.length }, { buffer: data }, [], { monolithicMax: 1000, chunkSize: 4096 });
    expect(how).toBe('chunked');
    expect(sessions).toBe(2);
    expect(ranges).toEqual(['u1 0-4095', 'u2 0-4095', 'u2 4096-8191', 'u2 8192-9999']);
    expect(stored?.equals(data)).toBe(true);
  });
});

describe('parallel deterministic gzip', () => {
  const collect = async (it: AsyncIterable<Buffer>): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const p of it) parts.push(p);
    return Buffer.concat(parts);
  };
  async function* chunks(b: Buffer, size: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
  }

  it('cuts blocks of exactly the block size whatever the chunking', async () => {
    const b = randomBytes(1000);
    const out = [];
    for await (const x of blocks(chunks(b, 77), 256)) out.push(x.length);
    expect(out).toEqual([256, 256, 256, 232]);
  });

  it('gives the same bytes every time, independent of input chunking, and gunzips to the input', async () => {
    const input = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000, 7), randomBytes(123)]);
    const a = await collect(parallelGzip(chunks(input, 65_536), 100_000));
    const b = await collect(parallelGzip(chunks(input, 1_000), 100_000));
    expect(a.equals(b)).toBe(true);
    expect(gunzipSync(a).equals(input)).toBe(true);
    const members = await collect(parallelGzip(chunks(input, 65_536), 1 << 30));
    expect(members.equals(a)).toBe(false); // the block size is part of the format
    expect(gunzipSync(await collect(parallelGzip(chunks(Buffer.alloc(0), 1), 100)))).toHaveLength(0);
  });

  it('stores incompressible blocks, Huffman-codes blocks LZ77 cannot shrink, and deflates the rest', async () => {
    const random = randomBytes(1 << 20);
    const base64 = Buffer.from(randomBytes(768 * 1024).toString('base64'));
    const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(30_000));
    expect(memberOptions(random).level).toBe(0);
    expect(memberOptions(base64)).toEqual({ level: gzipLevel, strategy: constants.Z_HUFFMAN_ONLY });
    expect(memberOptions(text)).toEqual({ level: gzipLevel, strategy: constants.Z_DEFAULT_STRATEGY });
    // one compressible sample is enough for full deflate
    expect(memberOptions(Buffer.concat([text.subarray(0, 64 * 1024), random])).strategy).toBe(constants.Z_DEFAULT_STRATEGY);
    const all = Buffer.concat([random, base64, text]);
    const gz = await collect(parallelGzip(chunks(all, 65_536), 1 << 20));
    expect(gunzipSync(gz).equals(all)).toBe(true);
    // stored random costs a few bytes; base64 still shrinks to ~75 %, text far more
    expect(gz.length).toBeLessThan(random.length + 1024 + base64.length * 0.78 + text.length * 0.05);
  });
});

describe('helpers', () => {
  it('prefetch keeps order, runs ahead of a slow consumer, and passes errors on', async () => {
    let produced = 0;
    async function* src(): AsyncGenerator<number> {
      for (let i = 0; i < 6; i++) {
        produced++;
        yield i;
      }
    }
    const seen: number[] = [];
    const aheadAt: number[] = [];
    for await (const x of prefetch(src(), 3)) {
      await new Promise((r) => setTimeout(r, 5));
      aheadAt.push(produced - x);
      seen.push(x);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Math.max(...aheadAt)).toBeGreaterThan(1);
    async function* bad(): AsyncGenerator<number> {
      yield 1;
      throw new Error('source failed');
    }
    const got: number[] = [];
    await expect((async () => { for await (const x of prefetch(bad(), 4)) got.push(x); })()).rejects.toThrow('source failed');
    expect(got).toEqual([1]);
  });

  it('mapLimit keeps order and never runs more than n at once', async () => {
    let running = 0;
    let peak = 0;
    const r = await mapLimit([5, 1, 3, 2, 4], 2, async (x) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((res) => setTimeout(res, x));
      running--;
      return x * 10;
    });
    expect(r).toEqual([50, 10, 30, 20, 40]);
    expect(peak).toBe(2);
    await expect(mapLimit([1, 2], 2, async (x) => { if (x === 2) throw new Error('boom'); return x; })).rejects.toThrow('boom');
  });

  it('push state remembers gzip digests and mount sources on the same registry', () => {
    let s = recordPush({ gzip: {}, sources: {} }, 'reg:5000/a/app', [{ diffId: 'sha256:tar', digest: 'sha256:gz', size: 10 }]);
    s = recordPush(s, 'reg:5000/b/app', [{ digest: 'sha256:gz', size: 10 }]);
    expect(s.gzip['sha256:tar']).toEqual({ digest: 'sha256:gz', size: 10 });
    expect(mountSources(s, 'sha256:gz', 'reg:5000', 'c/app')).toEqual(['b/app', 'a/app']);
    expect(mountSources(s, 'sha256:gz', 'reg:5000', 'a/app')).toEqual(['b/app']);
    expect(mountSources(s, 'sha256:gz', 'other:5000', 'c/app')).toEqual([]);
  });
});
