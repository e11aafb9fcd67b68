// `WWW-Authenticate` challenges (RFC 7235) as registries send them on a 401:
//   Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"
//   Basic realm="Registry Realm"
// and the scope strings a token request asks for. Pure functions.

export interface Challenge {
  /** lower case: bearer, basic */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses one header value into its challenges. Parameter names are lower
 * cased; quoted values may contain commas and backslash escapes.
 */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = (): void => {
    while (i < n && /[\s,]/.test(header[i] as string)) i++;
  };
  const token = (): string => {
    const start = i;
    while (i < n && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header[i] as string)) i++;
    return header.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < n) {
    skipWs();
    if (i >= n) break;
    const name = token();
    if (name === '') {
      i++;
      continue;
    }
    let j = i;
    while (j < n && header[j] === ' ') j++;
    if (header[j] === '=' && current) {
      i = j + 1;
      while (i < n && header[i] === ' ') i++;
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < n && header[i] !== ',' && header[i] !== ' ') i++;
        value = header.slice(start, i);
      }
      current.params[name.toLowerCase()] = value;
      continue;
    }
    // a new scheme; a token68 value after it (`Basic abc==`) is kept as params.token68
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    i = j;
    const m = /^([A-Za-z0-9\-._~+/]+=*)(?=\s*(,|$))/.exec(header.slice(i));
    if (m && !header.slice(i + m[1]!.length).trimStart().startsWith('=')) {
      current.params.token68 = m[1] as string;
      i += m[1]!.length;
    }
  }
  return out;
}

/** The challenge to answer: Bearer when offered (it works for anonymous pulls too), else Basic. */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

export type Action = 'pull' | 'push';

/** repository:NAME:pull or repository:NAME:pull,push */
export function repositoryScope(repository: string, actions: readonly Action[]): string {
  const order: Action[] = ['pull', 'push'];
  const set = order.filter((a) => actions.includes(a));
  return `repository:${repository}:${set.join(',')}`;
}

/** Merges scopes on the same resource (a push that mounts from another repository asks for both). */
export function mergeScopes(scopes: readonly string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const s of scopes) {
    const last = s.lastIndexOf(':');
    const resource = s.slice(0, last);
    const acts = byResource.get(resource) ?? new Set<string>();
    for (const a of s.slice(last + 1).split(',')) if (a) acts.add(a);
    byResource.set(resource, acts);
  }
  return [...byResource].map(([r, a]) => `${r}:${[...a].sort().join(',')}`);
}

/** The token endpoint URL for a Bearer challenge and the scopes wanted. */
export function tokenUrl(challenge: Challenge, scopes: readonly string[], account?: string): string {
  const realm = challenge.params.realm;
  if (!realm) throw new Error('the Bearer challenge has no realm');
  const u = new URL(realm);
  if (challenge.params.service) u.searchParams.set('service', challenge.params.service);
  for (const s of scopes) u.searchParams.append('scope', s);
  if (account) u.searchParams.set('account', account);
  return u.toString();
}

/**
 * The OAuth2 request for a token with an identity token (RFC 6749's
 * refresh_token grant, as Docker posts it): the realm and a form body.
 */
export function oauthTokenRequest(challenge: Challenge, scopes: readonly string[], refreshToken: string, clientId = 'tsbuild'): { url: string; body: string } {
  const realm = challenge.params.realm;
  if (!realm) throw new Error('the Bearer challenge has no realm');
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
  if (challenge.params.service) form.set('service', challenge.params.service);
  if (scopes.length > 0) form.set('scope', scopes.join(' '));
  return { url: new URL(realm).toString(), body: form.toString() };
}

/** Basic credentials as an Authorization header value. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
