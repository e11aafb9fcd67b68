// How a request reaches a registry. Node's global fetch checks TLS
// certificates and cannot be told otherwise per request without the undici
// package, so registries the user called insecure (--tls-verify=false,
// --insecure-registry, and loopback hosts) are spoken to over HTTPS through
// node:https with certificate checks off, answered as a WHATWG Response so
// the rest of the client does not care which path a request took.
import type { ClientRequest } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

export interface TransportInit {
  method: string;
  headers: Record<string, string>;
  body?: Uint8Array | string | ReadableStream<Uint8Array>;
}

export type Transport = (url: string, init: TransportInit) => Promise<Response>;

/** Node's fetch (certificates checked). */
export const verifiedTransport: Transport = (url, init) =>
  fetch(url, { method: init.method, headers: init.headers, ...(init.body !== undefined ? { body: init.body, duplex: 'half' } : {}) } as RequestInit);

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

/** node:https with certificate checks off (self-signed, unknown CA). */
export const uncheckedTlsTransport: Transport = (url, init) =>
  new Promise<Response>((resolve, reject) => {
    // only https: URLs come here (client.ts #transportFor); plain HTTP goes through fetch
    const req = https.request(new URL(url), { method: init.method, headers: init.headers, agent: insecureAgent }, (res) => {
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
