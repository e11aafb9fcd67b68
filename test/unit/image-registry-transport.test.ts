// followRedirects: what fetch's redirect: 'follow' does, over a transport
// that does not (node:https with the deferred extra CAs).
import { describe, expect, it } from 'vitest';
import { followRedirects, type TransportInit } from '../../src/image/registry/transport.js';

type Hop = { url: string; init: TransportInit };

/** a transport that answers from `routes` (path → [status, location?]) and records each request */
function fake(routes: Record<string, [number, string?]>): { hops: Hop[]; send: (url: string, init: TransportInit) => Promise<Response> } {
  const hops: Hop[] = [];
  return {
    hops,
    send: async (url, init) => {
      hops.push({ url, init });
      const [status, location] = routes[new URL(url).pathname] ?? [404];
      return new Response(status === 200 ? `body of ${url}` : null, { status, headers: location ? { location } : {} });
    },
  };
}

const get = (headers: Record<string, string> = {}): TransportInit => ({ method: 'GET', headers });

describe('followRedirects', () => {
  it('passes an answer that is not a redirect through untouched', async () => {
    const f = fake({ '/a': [200] });
    const res = await followRedirects('https://r.test/a', get(), f.send);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('body of https://r.test/a');
    expect(f.hops).toHaveLength(1);
  });

  it('follows relative and absolute locations through every redirect status', async () => {
    const f = fake({ '/1': [301, '/2'], '/2': [302, 'https://r.test/3'], '/3': [307, '4'], '/4': [308, '/5'], '/5': [200] });
    const res = await followRedirects('https://r.test/1', get(), f.send);
    expect(await res.text()).toBe('body of https://r.test/5');
    expect(f.hops.map((h) => h.url)).toEqual(['https://r.test/1', 'https://r.test/2', 'https://r.test/3', 'https://r.test/4', 'https://r.test/5']);
  });

  it('keeps credentials on the same origin and drops them when the redirect leaves it', async () => {
    const f = fake({ '/blob': [307, 'https://cdn.test/x'], '/x': [200] });
    await followRedirects('https://r.test/blob', get({ Authorization: 'Bearer t', Cookie: 'c', accept: '*/*' }), f.send);
    expect(f.hops[0]?.init.headers).toEqual({ Authorization: 'Bearer t', Cookie: 'c', accept: '*/*' });
    expect(f.hops[1]?.init.headers).toEqual({ accept: '*/*' });
    const g = fake({ '/a': [302, '/b'], '/b': [200] });
    await followRedirects('https://r.test/a', get({ authorization: 'Basic x' }), g.send);
    expect(g.hops[1]?.init.headers).toEqual({ authorization: 'Basic x' });
  });

  it('turns a 303, and a POST answered 301/302, into a GET without the body', async () => {
    for (const status of [303, 301, 302]) {
      const f = fake({ '/up': [status, '/done'], '/done': [200] });
      await followRedirects('https://r.test/up', { method: 'POST', headers: { 'content-type': 'text/plain', 'x-keep': '1' }, body: 'data' }, f.send);
      expect(f.hops[1]?.init).toEqual({ method: 'GET', headers: { 'x-keep': '1' } });
    }
  });

  it('keeps the method and a buffered body through 307 and 308', async () => {
    const f = fake({ '/up': [307, '/again'], '/again': [308, '/done'], '/done': [200] });
    const body = new Uint8Array([1, 2, 3]);
    await followRedirects('https://r.test/up', { method: 'PUT', headers: { 'content-type': 'x' }, body }, f.send);
    expect(f.hops.map((h) => [h.init.method, h.init.body])).toEqual([
      ['PUT', body],
      ['PUT', body],
      ['PUT', body],
    ]);
  });

  it('refuses a redirect to a URL that is not http or https, as fetch does', async () => {
    const f = fake({ '/a': [302, 'data:text/plain,hello'] });
    const err = await followRedirects('https://r.test/a', get(), f.send).catch((e: unknown) => e as Error);
    expect((err as Error).message).toBe('fetch failed');
    expect(((err as Error).cause as Error).message).toMatch(/redirect to a data: URL/);
    expect(f.hops).toHaveLength(1);
  });

  it('refuses to replay a streamed body, and stops after 20 redirects', async () => {
    const f = fake({ '/up': [307, '/again'] });
    const stream = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    const err = await followRedirects('https://r.test/up', { method: 'PUT', headers: {}, body: stream }, f.send).catch((e: unknown) => e as Error);
    expect((err as Error).message).toBe('fetch failed');
    expect(((err as Error).cause as Error).message).toMatch(/streamed body/);
    const loop = fake({ '/l': [302, '/l'] });
    const e2 = await followRedirects('https://r.test/l', get(), loop.send).catch((e: unknown) => e as Error);
    expect(((e2 as Error).cause as Error).message).toMatch(/more than 20 redirects/);
    expect(loop.hops).toHaveLength(21);
  });
});
