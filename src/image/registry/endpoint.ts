// Where a normalised reference lives on the network: the registry host to
// talk to (docker.io is served by registry-1.docker.io), the repository path
// (docker.io keeps official images under library/), whether plain HTTP is
// allowed, and the URLs of the distribution API. Pure functions.

/** The parts of a normalised reference (src/image/refs.ts ImageRef) this module needs. */
export interface RepoRef {
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
}

export interface Endpoint {
  /** the name credentials are stored under (docker.io, localhost:5000) */
  registry: string;
  /** host[:port] the API is served from */
  host: string;
  /** repository inside the registry: library/busybox */
  repository: string;
  scheme: 'https' | 'http';
  /** when https: whether certificates are checked */
  tlsVerify: boolean;
  /** an insecure registry: HTTPS without certificate checks first, plain HTTP when TLS fails */
  httpFallback: boolean;
}

export interface InsecureOptions {
  /** --tls-verify=false: unchecked TLS or plain HTTP for this registry; true: checked TLS even on loopback */
  tlsVerify?: boolean;
  /** --insecure-registry HOST[:PORT], repeatable */
  insecureRegistries?: readonly string[];
}

export const dockerHubDomain = 'docker.io';
export const dockerHubApiHost = 'registry-1.docker.io';
/** the key Docker's own CLI stores Docker Hub credentials under */
export const dockerHubAuthKey = 'https://index.docker.io/v1/';

export function apiHost(domain: string): string {
  return domain === dockerHubDomain || domain === 'index.docker.io' ? dockerHubApiHost : domain;
}

function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(0, hostPort.indexOf(']') + 1);
  const colon = hostPort.lastIndexOf(':');
  return colon === -1 ? hostPort : hostPort.slice(0, colon);
}

/** localhost, 127.0.0.0/8 and ::1 are insecure registries by default, as in Docker. */
export function isLoopbackHost(hostPort: string): boolean {
  const h = hostOnly(hostPort).toLowerCase();
  return h === 'localhost' || h === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function isInsecure(domain: string, options: InsecureOptions = {}): boolean {
  if (options.tlsVerify !== undefined) return !options.tlsVerify;
  if (isLoopbackHost(domain)) return true;
  return (options.insecureRegistries ?? []).some((r) => r === domain || r === hostOnly(domain));
}

export function endpointFor(ref: RepoRef, options: InsecureOptions = {}): Endpoint {
  const insecure = isInsecure(ref.domain, options);
  let repository = ref.path;
  if (ref.domain === dockerHubDomain && !repository.includes('/')) repository = `library/${repository}`;
  return {
    registry: ref.domain,
    host: apiHost(ref.domain),
    repository,
    scheme: 'https',
    tlsVerify: !insecure,
    httpFallback: insecure,
  };
}

export function baseUrl(ep: Endpoint): string {
  return `${ep.scheme}://${ep.host}/v2/`;
}

export function manifestUrl(ep: Endpoint, reference: string): string {
  return `${baseUrl(ep)}${ep.repository}/manifests/${encodeURIComponent(reference)}`;
}

export function blobUrl(ep: Endpoint, digest: string): string {
  return `${baseUrl(ep)}${ep.repository}/blobs/${digest}`;
}

export function uploadStartUrl(ep: Endpoint, mount?: { digest: string; from: string }): string {
  const u = `${baseUrl(ep)}${ep.repository}/blobs/uploads/`;
  return mount ? `${u}?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : u;
}

/** Resolves the Location header of an upload (it may be relative) and adds query parameters. */
export function uploadUrl(ep: Endpoint, location: string, params: Record<string, string> = {}): string {
  const u = new URL(location, baseUrl(ep));
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

/** The tag or digest a pull or push addresses: the digest wins, else the tag, else latest. */
export function referenceOf(ref: RepoRef): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/** The key a registry's credentials are stored under in the Docker config. */
export function credentialKey(registry: string): string {
  return registry === dockerHubDomain || registry === 'index.docker.io' || registry === dockerHubApiHost ? dockerHubAuthKey : registry;
}

/** `docker login HOST` accepts URLs and bare hosts; this gives the registry name. */
export function registryFromLoginArg(arg: string): string {
  let s = arg.trim();
  s = s.replace(/^[a-z]+:\/\//i, '');
  s = s.replace(/\/.*$/, '');
  if (s === '' || s === 'index.docker.io' || s === dockerHubApiHost) return dockerHubDomain;
  return s.toLowerCase();
}
