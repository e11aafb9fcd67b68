// Image references, parsed and normalised as Docker does
// (github.com/distribution/reference): `busybox` → docker.io/library/busybox:latest,
// `localhost:5000/a/b:t`, `name@sha256:…`, and local names like `acc-busybox:1`
// (which, like in Docker, live under docker.io/library/ but are never pulled
// implicitly). Pure functions, no I/O.
import { TsbuildError } from '../errors.js';
import { isDigest, type Digest } from './digest.js';

export const defaultDomain = 'docker.io';
export const officialRepoPrefix = 'library/';
export const defaultTag = 'latest';

export interface ImageRef {
  /** registry host[:port], e.g. docker.io, localhost:5000 */
  domain: string;
  /** repository path, e.g. library/busybox */
  path: string;
  tag?: string;
  digest?: Digest;
}

const component = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const pathRe = new RegExp(`^${component}(?:/${component})*$`);
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainRe = new RegExp(`^(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const tagRe = /^[\w][\w.-]{0,127}$/;
const anchoredId = /^[a-f0-9]{64}$/;

function refError(input: string, why: string): TsbuildError {
  return new TsbuildError('usage', 'BAD_REFERENCE', `invalid reference '${input}': ${why}`);
}

/** Parses and normalises a reference; a missing tag stays missing (see withDefaultTag). */
export function parseRef(input: string): ImageRef {
  if (input === '') throw refError(input, 'empty');
  if (anchoredId.test(input)) throw refError(input, 'cannot specify a 64-byte hexadecimal string as a name');
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) throw refError(input, `bad digest '${d}' (want sha256:<64 hex>)`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagRe.test(tag)) throw refError(input, `bad tag '${tag}'`);
  }
  let domain = defaultDomain;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = defaultDomain;
  if (!domainRe.test(domain)) throw refError(input, `bad registry host '${domain}'`);
  if (path.toLowerCase() !== path) throw refError(input, 'repository name must be lowercase');
  if (!pathRe.test(path)) throw refError(input, `bad repository name '${path}'`);
  if (domain === defaultDomain && !path.includes('/')) path = officialRepoPrefix + path;
  if (domain.length + 1 + path.length > 255) throw refError(input, 'repository name longer than 255 characters');
  const ref: ImageRef = { domain, path };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** `latest` when neither tag nor digest is given, as Docker does. */
export function withDefaultTag(ref: ImageRef): ImageRef {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: defaultTag } : ref;
}

/** Parses, normalises and adds `:latest` where needed: what tags are stored as. */
export function normalizeRef(input: string): ImageRef {
  return withDefaultTag(parseRef(input));
}

export function refName(ref: ImageRef): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full form: docker.io/library/busybox:latest */
export function formatRef(ref: ImageRef): string {
  return `${refName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** The short form Docker shows: busybox:latest, acc-busybox:1, localhost:5000/x:y */
export function familiarName(ref: ImageRef): string {
  if (ref.domain !== defaultDomain) return refName(ref);
  return ref.path.startsWith(officialRepoPrefix) ? ref.path.slice(officialRepoPrefix.length) : ref.path;
}

export function formatFamiliar(ref: ImageRef): string {
  return `${familiarName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** A tag reference in stored (full) form, refusing digests: `tag` needs a name:tag. */
export function normalizeTag(input: string): string {
  const ref = normalizeRef(input);
  if (ref.digest !== undefined) throw refError(input, 'a tag cannot contain a digest');
  return formatRef(ref);
}

/** Parses a stored full reference back; undefined when it is not one. */
export function tryParseRef(input: string): ImageRef | undefined {
  try {
    return parseRef(input);
  } catch {
    return undefined;
  }
}
