// ARG and ENV scoping for the planner, as BuildKit does it: global ARGs
// (before the first FROM) are seen only by FROM lines unless a stage
// re-declares them; a stage ARG is visible from its line on; --build-arg
// overrides a declared ARG's default; ENV wins over an ARG of the same name;
// the proxy ARGs need no declaration and stay out of keys and history; the
// platform ARGs are predeclared in the global scope. Pure.
import { createHash } from 'node:crypto';
import { formatPosition, type SourceRange, TsbuildError } from '../errors.js';
import { processWord, processWords } from '../parser/words.js';

export const proxyArgs: ReadonlySet<string> = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function platformArgs(platform: { os: string; architecture: string; variant?: string }): Map<string, string> {
  const p = `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
  const m = new Map<string, string>();
  for (const prefix of ['TARGET', 'BUILD']) {
    m.set(`${prefix}PLATFORM`, p);
    m.set(`${prefix}OS`, platform.os);
    m.set(`${prefix}ARCH`, platform.architecture);
    m.set(`${prefix}VARIANT`, platform.variant ?? '');
  }
  return m;
}

export interface ExpandContext {
  file: string;
  escapeToken: '\\' | '`';
}

export function boxfileError(code: string, range: SourceRange, message: string, cause?: unknown): TsbuildError {
  return new TsbuildError('boxfile', code, `${formatPosition(range)}: ${message}`, { ranges: [range], cause });
}

export function expand(word: string, env: ReadonlyMap<string, string>, cx: ExpandContext, range: SourceRange): string {
  try {
    return processWord(word, env, { escapeToken: cx.escapeToken });
  } catch (err) {
    throw boxfileError('WORD_EXPANSION', range, (err as Error).message, err);
  }
}

export function expandWords(word: string, env: ReadonlyMap<string, string>, cx: ExpandContext, range: SourceRange): string[] {
  try {
    return processWords(word, env, { escapeToken: cx.escapeToken });
  } catch (err) {
    throw boxfileError('WORD_EXPANSION', range, (err as Error).message, err);
  }
}

/** NAME=VALUE list → map (last wins) */
export function envMap(list: readonly string[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list ?? []) {
    const i = e.indexOf('=');
    if (i < 0) m.set(e, '');
    else m.set(e.slice(0, i), e.slice(i + 1));
  }
  return m;
}

/** sets NAME in a NAME=VALUE list, in place of an earlier value (order kept) */
export function setEnv(list: readonly string[], name: string, value: string): string[] {
  const out = list.filter((e) => e !== name && !e.startsWith(`${name}=`));
  const at = list.findIndex((e) => e === name || e.startsWith(`${name}=`));
  const entry = `${name}=${value}`;
  if (at === -1) return [...out, entry];
  out.splice(at, 0, entry);
  return out;
}

/** The variables a stage's words see: its ARGs, overridden by its ENV. */
export function wordEnv(args: ReadonlyMap<string, string>, env: readonly string[] | undefined): Map<string, string> {
  const m = new Map(args);
  for (const [k, v] of envMap(env)) m.set(k, v);
  return m;
}

/** sha256 hex of a canonical JSON rendering of the parts (the cache key function) */
export function hashKey(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(['tsbuild-cache-v1', ...parts])).digest('hex');
}
