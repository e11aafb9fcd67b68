// How a request reaches a registry (or an ADD URL its server). Node's global
// fetch checks TLS certificates against node's root store and cannot be told
// otherwise per request without the undici package, so two kinds of HTTPS
// request go through node:https instead, answered as a WHATWG Response so the
// rest of the client does not care which path a request took:
// - registries the user called insecure (--tls-verify=false,
//   --insecure-registry, and loopback hosts): certificate checks off;
// - every verified request when bin/tsbuild deferred NODE_EXTRA_CA_CERTS
//   (src/net/extra-ca.ts): checked against node's default store plus that file, and
//   redirects followed as fetch follows them.
import type { ClientRequest } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { extraCaAgent } from '../../net/extra-ca-agent.js';
import { deferredCaFile } from '../../net/extra-ca.js';

export interface TransportInit {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array | string | ReadableStream<Uint8Array>;
}

export type Transport = (url: string, init: TransportInit) => Promise<Response>;

const nodeFetch = (url: string, init: TransportInit, redirect: 'follow' | 'manual' = 'follow'): Promise<Response> =>
  fetch(url, { method: init.method, headers: init.headers, redirect, ...(init.body !== undefined ? { body: init.body, duplex: 'half' } : {}) } as RequestInit);

/**
 * Certificates checked: node's fetch, or, with the deferred extra CAs, every
 * hop of the request through followRedirects (fetch would follow an http:
 * URL's redirect to https: without them): https over node:https, plain http
 * through fetch told not to follow.
 */
export const verifiedTransport: Transport = (url, init) => {
  const file = deferredCaFile();
  const agent = file !== undefined ? extraCaAgent(file) : undefined;
  if (!agent) return nodeFetch(url, init);
  return followRedirects(url, init, (u, i) => (u.startsWith('https:') ? httpsRequest(agent, u, i) : nodeFetch(u, i, 'manual')));
};

/** A fetch failure as a line: fetch says only 'fetch failed', its reason (a certificate, a refused connection) is on its cause. */
export function describeFetchError(err: unknown): string {
  const cause = (err as Error).cause as (Error & { code?: string }) | undefined;
  return cause ? `${(err as Error).message}: ${cause.code ? `${cause.code}: ` : ''}${cause.message}` : (err as Error).message;
}

/** A GET with headers: what ADD URL needs of fetch (tests pass their own). */
export type HttpGet = (url: string, init?: { headers?: Record<string, string> }) => Promise<Response>;

/** verifiedTransport as an HttpGet */
export const verifiedFetch: HttpGet = (url, init) => verifiedTransport(url, { method: 'GET', headers: init?.headers ?? {} });

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;
/** headers fetch drops when a redirect leaves the origin */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
/** headers of a body that a redirect turned into a GET drops */
const BODY_HEADERS = new Set(['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']);

/** What fetch's redirect: 'follow' does, over `send`, which does not. */
export async function followRedirects(url: string, init: TransportInit, send: Transport): Promise<Response> {
  let current = url;
  let req = init;
  for (let hop = 0; ; hop++) {
    const res = await send(current, req);
    const location = res.headers.get('location');
    if (!REDIRECTS.has(res.status) || location === null) return res;
    await res.body?.cancel();
    if (hop === MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error(`${url}: more than ${MAX_REDIRECTS} redirects`) });
    const next = new URL(location, current);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new TypeError('fetch failed', { cause: new Error(`${current}: redirect to a ${next.protocol} URL`) });
    const toGet = (res.status === 303 && req.method !== 'HEAD') || ((res.status === 301 || res.status === 302) && req.method === 'POST');
    if (!toGet && req.body !== undefined && typeof req.body !== 'string' && !(req.body instanceof Uint8Array)) {
      throw new TypeError('fetch failed', { cause: new Error(`${current}: cannot follow a redirect with a streamed body`) });
    }
    const crossOrigin = next.origin !== new URL(current).origin;
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([k]) => !(crossOrigin && CREDENTIAL_HEADERS.has(k.toLowerCase())) && !(toGet && BODY_HEADERS.has(k.toLowerCase()))),
    );
    req = toGet ? { method: 'GET', headers } : { ...req, headers };
    current = next.href;
  }
}

const insecureAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });

function drained(req: ClientRequest): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}

/** Statuses whose Response may not carry a body. */
function nullBody(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 205 || status === 304;
}

/** node:https with certificate checks off (self-signed, unknown CA); no redirects followed. */
export const uncheckedTlsTransport: Transport = (url, init) => httpsRequest(insecureAgent, url, init);

/** node:https through `agent`, answered as a Response; only https: URLs come here. */
function httpsRequest(agent: https.Agent, url: string, init: TransportInit): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const req = https.request(new URL(url), { method: init.method, headers: init.headers, agent }, (res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const x of v) headers.append(k, x);
        else if (v !== undefined) headers.set(k, v);
      }
      const status = res.statusCode ?? 0;
      let response: Response;
      try {
        if (nullBody(init.method, status)) {
          res.resume();
          response = new Response(null, { status, statusText: res.statusMessage ?? '', headers });
        } else {
          response = new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, statusText: res.statusMessage ?? '', headers });
        }
      } catch (err) {
        res.destroy();
        reject(err);
        return;
      }
      Object.defineProperty(response, 'url', { value: url });
      resolve(response);
    });
    // fetch puts the socket error on err.cause; do the same so callers read one shape
    req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
    const body = init.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
    else {
      void (async () => {
        try {
          for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
            if (!req.write(chunk)) await drained(req);
          }
          req.end();
        } catch (err) {
          req.destroy(err as Error);
        }
      })();
    }
  });
}
