// One repository on one registry, spoken to with Node's built-in fetch: the
// `/v2/` ping, the `WWW-Authenticate` challenge answered with a Bearer token
// (anonymous, or with Basic credentials at the token server) or with plain
// Basic auth, and retries with backoff on 5xx and dropped connections for
// requests whose body can be sent again.
import { TsbuildError } from '../../errors.js';
import { basicAuthorization, mergeScopes, oauthTokenRequest, parseChallenges, pickChallenge, repositoryScope, tokenUrl, type Action, type Challenge } from './challenge.js';
import type { Credentials } from './credentials.js';
import { baseUrl, type Endpoint } from './endpoint.js';
import { defaultRetryPolicy, nextDelay, type RetryPolicy } from './retry.js';
import { uncheckedTlsTransport, verifiedTransport, type Transport } from './transport.js';

export interface ClientOptions {
  credentials?: Credentials | undefined;
  actions: Action[];
  /** other repositories on this registry to get pull access to (cross-repository mounts) */
  extraPullRepositories?: string[];
  retry?: RetryPolicy;
  userAgent?: string;
  /** for tests: how to wait between retries */
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** a body that can be sent again on a retry (a stream only with noRetry) */
  body?: Uint8Array | string | ReadableStream<Uint8Array>;
  /** statuses that are answers, not errors (default: 2xx) */
  ok?: number[];
  /** do not retry (the caller retries a larger unit) */
  noRetry?: boolean;
}

export function registryError(code: string, message: string, cause?: unknown): TsbuildError {
  return new TsbuildError('image', code, message, { cause });
}

/** Errors of requests that were already retried as often as the policy allows. */
const exhausted = new WeakSet<object>();

/** A request the registry answered with an error status. */
export class RegistryHttpError extends TsbuildError {
  constructor(code: string, message: string, readonly status: number) {
    super('image', code, message);
  }
}

/** The code of a network failure as undici reports it (on err.cause). */
function networkCode(err: unknown): string {
  const e = err as { code?: string; cause?: { code?: string; name?: string } ; name?: string };
  return e?.cause?.code ?? e?.code ?? e?.cause?.name ?? e?.name ?? 'UNKNOWN';
}

/** TLS failures that mean "this certificate is not trusted" (Node's and OpenSSL's codes). */
function isCertificateError(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code);
}

/** Distribution API error bodies: {"errors":[{"code":"BLOB_UNKNOWN","message":"…"}]} */
async function describeFailure(res: Response): Promise<string> {
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* body lost */
  }
  try {
    const j = JSON.parse(text) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    if (j.errors?.length) return j.errors.map((e) => `${e.code ?? 'ERROR'}: ${e.message ?? ''}`.trim()).join('; ');
  } catch {
    /* not JSON */
  }
  return text.trim().slice(0, 200) || res.statusText;
}

export class RegistryClient {
  #authorization: string | undefined;
  #pinged = false;
  #endpoint: Endpoint;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(endpoint: Endpoint, readonly options: ClientOptions) {
    this.#endpoint = endpoint;
    this.#retry = options.retry ?? defaultRetryPolicy;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Where the registry is; an insecure one may move from https to http at the ping. */
  get endpoint(): Endpoint {
    return this.#endpoint;
  }

  /** Unchecked TLS only over https towards the insecure registry itself (never its token server); plain HTTP goes through fetch. */
  #transportFor(url: string): Transport {
    if (this.#endpoint.tlsVerify || !url.startsWith('https:')) return verifiedTransport;
    return new URL(url).host === this.#endpoint.host ? uncheckedTlsTransport : verifiedTransport;
  }

  /** A URL made before the ping chose plain HTTP follows the endpoint there. */
  #rebase(url: string): string {
    if (this.#endpoint.scheme === 'http' && url.startsWith(`https://${this.#endpoint.host}/`)) return `http://${url.slice('https://'.length)}`;
    return url;
  }

  get where(): string {
    return `${this.endpoint.registry}/${this.endpoint.repository}`;
  }

  scopes(): string[] {
    if (this.options.actions.length === 0) return [];
    const own = repositoryScope(this.endpoint.repository, this.options.actions);
    const extra = (this.options.extraPullRepositories ?? []).map((r) => repositoryScope(r, ['pull']));
    return mergeScopes([own, ...extra]);
  }

  /** GET /v2/: learns whether and how to authenticate, and gets a token up front. */
  async ping(): Promise<void> {
    if (this.#pinged) return;
    let url = baseUrl(this.endpoint);
    let res: Response;
    if (this.#endpoint.scheme === 'https' && this.#endpoint.httpFallback) {
      // an insecure registry: HTTPS without certificate checks if it speaks TLS, else plain HTTP
      try {
        res = await this.#fetchWithRetry('GET', url, { noRetry: true });
      } catch (err) {
        if (!(err instanceof TsbuildError) || err.code !== 'REGISTRY_UNREACHABLE' || networkCode(err.cause) === 'ECONNREFUSED') throw err;
        this.#endpoint = { ...this.#endpoint, scheme: 'http' };
        url = baseUrl(this.endpoint);
        res = await this.#fetchWithRetry('GET', url, {});
      }
    } else res = await this.#fetchWithRetry('GET', url, {});
    await res.body?.cancel();
    if (res.status === 401) await this.#authenticate(res);
    else if (res.status !== 200) {
      throw registryError('REGISTRY_PING', `${url} answered ${res.status} ${res.statusText}: is ${this.endpoint.registry} a registry (distribution API v2)?`);
    }
    this.#pinged = true;
  }

  /** For login: checks the credentials by answering the challenge of /v2/ and asking again. */
  async verifyLogin(): Promise<void> {
    await this.ping();
    const res = await this.request('GET', baseUrl(this.endpoint));
    await res.body?.cancel();
  }

  async #authenticate(res: Response): Promise<void> {
    const header = res.headers.get('www-authenticate') ?? '';
    const challenge = pickChallenge(parseChallenges(header));
    if (!challenge) throw registryError('REGISTRY_AUTH', `${this.endpoint.registry} wants an authentication this client does not support: '${header}'`);
    this.#authorization = challenge.scheme === 'basic' ? this.#basic() : await this.#bearer(challenge);
  }

  #basic(): string {
    const c = this.options.credentials;
    if (!c) throw registryError('REGISTRY_UNAUTHORIZED', `${this.endpoint.registry} needs a login: run 'tsbuild login ${this.endpoint.registry}'`);
    if (c.identityToken !== undefined) throw registryError('REGISTRY_AUTH', `${this.endpoint.registry} asks for Basic authentication, but its login is an identity token, which works only with a token server`);
    return basicAuthorization(c.username, c.password);
  }

  async #bearer(challenge: Challenge): Promise<string> {
    if (this.options.credentials?.identityToken !== undefined) return this.#oauth(challenge, this.options.credentials.identityToken);
    let url: string;
    try {
      url = tokenUrl(challenge, this.scopes(), this.options.credentials?.username);
    } catch (err) {
      throw registryError('REGISTRY_AUTH', `${this.endpoint.registry}: bad Bearer challenge: ${(err as Error).message}`, err);
    }
    const headers: Record<string, string> = {};
    if (this.options.credentials) headers.authorization = basicAuthorization(this.options.credentials.username, this.options.credentials.password);
    const res = await this.#fetchWithRetry('GET', url, { headers });
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw registryError(
        'REGISTRY_UNAUTHORIZED',
        this.options.credentials
          ? `the token server of ${this.endpoint.registry} refused the login of '${this.options.credentials.username}' (${res.status})`
          : `${this.endpoint.registry} needs a login for ${this.where}: run 'tsbuild login ${this.endpoint.registry}'`,
      );
    }
    if (!res.ok) throw registryError('REGISTRY_AUTH', `token request to ${new URL(url).origin} failed: ${res.status} ${await describeFailure(res)}`);
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw registryError('REGISTRY_AUTH', `the token server of ${this.endpoint.registry} answered without a token`);
    return `Bearer ${token}`;
  }

  /** A token for an identity token: the OAuth2 form posted to the realm, as Docker does. */
  async #oauth(challenge: Challenge, identityToken: string): Promise<string> {
    let req: { url: string; body: string };
    try {
      req = oauthTokenRequest(challenge, this.scopes(), identityToken);
    } catch (err) {
      throw registryError('REGISTRY_AUTH', `${this.endpoint.registry}: bad Bearer challenge: ${(err as Error).message}`, err);
    }
    const res = await this.#fetchWithRetry('POST', req.url, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: req.body });
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw registryError('REGISTRY_UNAUTHORIZED', `the token server of ${this.endpoint.registry} refused the identity token of this login (${res.status} ${await describeFailure(res)}): run 'tsbuild login ${this.endpoint.registry}' again`);
    }
    if (!res.ok) throw registryError('REGISTRY_AUTH', `token request to ${new URL(req.url).origin} failed: ${res.status} ${await describeFailure(res)}`);
    const body = (await res.json()) as { access_token?: string; token?: string };
    const token = body.access_token ?? body.token;
    if (!token) throw registryError('REGISTRY_AUTH', `the token server of ${this.endpoint.registry} answered without a token`);
    return `Bearer ${token}`;
  }

  /**
   * Sends one request with authentication; on a 401 (an expired token) it
   * authenticates again and tries once more. Non-`ok` statuses throw.
   */
  async request(method: string, url: string, options: RequestOptions = {}): Promise<Response> {
    await this.ping();
    url = this.#rebase(url);
    let res = await this.#fetchWithRetry(method, url, options);
    if (res.status === 401) {
      await res.body?.cancel();
      await this.#authenticate(res);
      res = await this.#fetchWithRetry(method, url, options);
    }
    const ok = options.ok ?? [];
    if (!res.ok && !ok.includes(res.status)) {
      const e = await this.#statusError(method, url, res);
      if (!options.noRetry) exhausted.add(e);
      throw e;
    }
    return res;
  }

  async #statusError(method: string, url: string, res: Response): Promise<RegistryHttpError> {
    const why = await describeFailure(res);
    if (res.status === 401 || res.status === 403) {
      const c = this.options.credentials;
      const hint = c
        ? `the login of '${c.username}' on ${this.endpoint.registry} may not ${this.options.actions.join('/')} ${this.endpoint.repository}`
        : `${this.endpoint.registry} needs a login for this: run 'tsbuild login ${this.endpoint.registry}'`;
      return new RegistryHttpError('REGISTRY_UNAUTHORIZED', `${method} ${url}: ${res.status} ${why} (${hint})`, res.status);
    }
    return new RegistryHttpError(res.status === 404 ? 'REGISTRY_NOT_FOUND' : 'REGISTRY_REQUEST', `${method} ${url}: ${res.status} ${why}`, res.status);
  }

  async #fetchWithRetry(method: string, url: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'tsbuild', ...(options.headers ?? {}) };
    if (this.#authorization && !('authorization' in headers)) headers.authorization = this.#authorization;
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await this.#transportFor(url)(url, { method, headers, ...(options.body !== undefined ? { body: options.body } : {}) });
      } catch (err) {
        const code = networkCode(err);
        const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
        if (isCertificateError(code)) {
          throw markExhausted(
            true,
            registryError('REGISTRY_TLS', `${this.endpoint.registry}: the TLS certificate of ${new URL(url).origin} is not trusted (${code}: ${cause}); if you trust this registry, use --tls-verify=false or --insecure-registry ${this.endpoint.registry}`, err),
          );
        }
        const delay = options.noRetry ? undefined : nextDelay(this.#retry, attempt, { networkError: code }, Math.random());
        if (delay === undefined) {
          throw markExhausted(!options.noRetry, registryError('REGISTRY_UNREACHABLE', `${method} ${url}: ${code}: ${cause}`, err));
        }
        await this.#sleep(delay);
        continue;
      }
      const delay = options.noRetry ? undefined : nextDelay(this.#retry, attempt, { status: res.status, retryAfter: res.headers.get('retry-after') }, Math.random());
      if (delay === undefined) return res;
      await res.body?.cancel();
      await this.#sleep(delay);
    }
  }

  /** Runs a whole operation again (a chunked upload, a download) on retryable failures. */
  async withRetries<T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (err) {
        const outcome = retryableOutcome(err);
        const delay = outcome ? nextDelay(this.#retry, attempt, outcome, Math.random()) : undefined;
        if (delay === undefined) throw err;
        await this.#sleep(delay);
      }
    }
  }
}

/** A failure worth another try of a larger unit: a 5xx or a dropped connection. */
function markExhausted<E extends object>(yes: boolean, e: E): E {
  if (yes) exhausted.add(e);
  return e;
}

function retryableOutcome(err: unknown): { status: number } | { networkError: string } | undefined {
  if (typeof err === 'object' && err !== null && exhausted.has(err)) return undefined;
  if (err instanceof TsbuildError) {
    if (err.code === 'REGISTRY_UNREACHABLE' || err.code === 'REGISTRY_STREAM') return { networkError: networkCode(err.cause) };
    if (err instanceof RegistryHttpError) return { status: err.status };
    return undefined;
  }
  return { networkError: networkCode(err) };
}
