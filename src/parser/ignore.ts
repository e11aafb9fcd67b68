// .dockerignore / .boxignore as moby/patternmatcher and its ignorefile reader
// do it. Pure: text in, pattern lists and decisions out. The file lookup lives
// in ignore-file.ts. Behaviour is pinned by ../shared/conformance/dockerignore.

import { TsbuildError } from '../errors.js';
import { Re2SyntaxError, compileRe2 } from './ignore-re2.js';

const WHITE_SPACE = /^\p{White_Space}$/u;

function isSpace(ch: string): boolean {
  return WHITE_SPACE.test(ch);
}

/** Go's strings.TrimSpace (Unicode White_Space; unlike String.prototype.trim it keeps U+FEFF). */
export function trimSpace(s: string): string {
  const chars = Array.from(s);
  let a = 0;
  let b = chars.length;
  while (a < b && isSpace(chars[a] as string)) a++;
  while (b > a && isSpace(chars[b - 1] as string)) b--;
  return chars.slice(a, b).join('');
}

/** Go's path.Clean: lexical `//`, `.`, `..` and trailing-slash removal. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** Go's path.Dir. */
function dirOf(p: string): string {
  return cleanPath(p.slice(0, p.lastIndexOf('/') + 1));
}

/**
 * Reads `.dockerignore` text into a pattern list (moby/patternmatcher
 * ignorefile.ReadAll): BOM removed, `#` comments in column 1, lines trimmed,
 * paths cleaned, one leading `/` removed, `!` kept in front.
 */
export function readIgnoreFile(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, index) => {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (index === 0 && line.startsWith('\uFEFF')) line = line.slice(1);
    if (line.startsWith('#')) return;
    let pattern = trimSpace(line);
    if (pattern === '') return;
    const invert = pattern.startsWith('!');
    if (invert) pattern = trimSpace(pattern.slice(1));
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? '!' + pattern : pattern);
  });
  return patterns;
}

// ---- pattern syntax check (Go's filepath.Match error rules) ------------------

/** Reads one class character (`\x` escapes); returns the index after it or -1 when invalid. */
function classCharEnd(p: string[], i: number): number {
  if (i >= p.length || p[i] === '-' || p[i] === ']') return -1;
  if (p[i] === '\\') {
    i++;
    if (i >= p.length) return -1;
  }
  i++;
  return i >= p.length ? -1 : i;
}

/** True when filepath.Match would accept the pattern's syntax. */
export function isValidGlob(pattern: string): boolean {
  const p = Array.from(pattern);
  let i = 0;
  while (i < p.length) {
    const ch = p[i];
    if (ch === '\\') {
      if (i + 1 >= p.length) return false;
      i += 2;
    } else if (ch === '[') {
      i++;
      if (p[i] === '^') i++;
      let ranges = 0;
      for (;;) {
        if (i < p.length && p[i] === ']' && ranges > 0) {
          i++;
          break;
        }
        i = classCharEnd(p, i);
        if (i < 0) return false;
        if (p[i] === '-') {
          i = classCharEnd(p, i + 1);
          if (i < 0) return false;
        }
        ranges++;
      }
    } else {
      i++;
    }
  }
  return true;
}

// ---- patterns ------------------------------------------------------------------

export type PatternKind = 'exact' | 'prefix' | 'suffix' | 'regexp';

export interface CompiledPattern {
  /** the cleaned pattern without its `!` */
  readonly text: string;
  /** a `!` pattern: re-includes what earlier patterns excluded */
  readonly exclusion: boolean;
  readonly kind: PatternKind;
  /** the Go regular expression patternmatcher builds (regexp kind only) */
  readonly goRegexp?: string;
  match(path: string): boolean;
}

const GO_ESCAPED = new Set(['.', '+', '(', ')', '|', '{', '}', '$']);

/** Classifies a cleaned pattern and builds its matcher as patternmatcher's compile does. */
export function compilePattern(text: string, exclusion = false): CompiledPattern {
  const chars = Array.from(text);
  let re = '^';
  let kind: PatternKind = 'exact';
  let i = 0;
  for (let iter = 0; i < chars.length; iter++) {
    const ch = chars[i++] as string;
    if (ch === '*') {
      if (chars[i] === '*') {
        i++;
        if (chars[i] === '/') i++;
        if (i >= chars.length) {
          if (kind === 'exact') kind = 'prefix';
          else {
            re += '.*';
            kind = 'regexp';
          }
        } else {
          re += '(.*/)?';
          kind = 'regexp';
        }
        if (iter === 0) kind = 'suffix';
      } else {
        re += '[^/]*';
        kind = 'regexp';
      }
    } else if (ch === '?') {
      re += '[^/]';
      kind = 'regexp';
    } else if (GO_ESCAPED.has(ch)) {
      re += '\\' + ch;
    } else if (ch === '\\') {
      if (i < chars.length) {
        re += '\\' + chars[i++];
        kind = 'regexp';
      } else {
        re += '\\';
      }
    } else if (ch === '[' || ch === ']') {
      re += ch;
      kind = 'regexp';
    } else {
      re += ch;
    }
  }

  const base = { text, exclusion, kind };
  switch (kind) {
    case 'exact':
      return { ...base, match: (path) => path === text };
    case 'prefix': {
      const prefix = text.slice(0, -2);
      return { ...base, match: (path) => path.startsWith(prefix) };
    }
    case 'suffix': {
      const suffix = text.slice(2);
      return {
        ...base,
        match: (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1)),
      };
    }
    case 'regexp': {
      re += '$';
      let compiled: RegExp | Re2SyntaxError;
      try {
        compiled = compileRe2(re);
      } catch (err) {
        if (!(err instanceof Re2SyntaxError)) throw err;
        compiled = err;
      }
      return {
        ...base,
        goRegexp: re,
        match: (path) => {
          // patternmatcher compiles lazily, so a bad regex only fails when it is used
          if (compiled instanceof Re2SyntaxError) throw badPattern(text, compiled);
          return compiled.test(path);
        },
      };
    }
  }
}

function badPattern(pattern: string, cause?: unknown): TsbuildError {
  return new TsbuildError('boxfile', 'IGNORE_PATTERN', `syntax error in pattern: ${JSON.stringify(pattern)}`, { cause });
}

/** Per-pattern results for a directory, handed to its children (patternmatcher's MatchInfo). */
export interface ParentMatches {
  readonly parentMatched: readonly boolean[];
}

export interface MatchResult {
  excluded: boolean;
  info: ParentMatches;
}

/** An ordered list of ignore patterns; the last applicable pattern wins. */
export class IgnoreMatcher {
  readonly patterns: readonly CompiledPattern[];
  /** true when some pattern starts with `!` */
  readonly hasExclusions: boolean;

  private constructor(patterns: CompiledPattern[]) {
    this.patterns = patterns;
    this.hasExclusions = patterns.some((p) => p.exclusion);
  }

  /** Builds a matcher; throws TsbuildError IGNORE_PATTERN for `!` alone or a malformed glob. */
  static compile(patterns: readonly string[]): IgnoreMatcher {
    const out: CompiledPattern[] = [];
    for (const raw of patterns) {
      let p = trimSpace(raw);
      if (p === '') continue;
      p = cleanPath(p);
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) {
          throw new TsbuildError('boxfile', 'IGNORE_PATTERN', 'illegal exclusion pattern: "!"');
        }
        exclusion = true;
        p = p.slice(1);
      }
      if (!isValidGlob(p)) throw badPattern(raw);
      out.push(compilePattern(p, exclusion));
    }
    return new IgnoreMatcher(out);
  }

  /** Reads `.dockerignore` text and builds its matcher. */
  static fromText(text: string): IgnoreMatcher {
    return IgnoreMatcher.compile(readIgnoreFile(text));
  }

  /**
   * Is `path` (relative to the context, `/`-separated) excluded? A pattern
   * matches when it matches the path or any of its parent directories
   * (patternmatcher's MatchesOrParentMatches). The context root is never excluded.
   */
  matches(path: string): boolean {
    const file = cleanPath(path);
    if (file === '.') return false;
    return this.evaluate(file, undefined).excluded;
  }

  /**
   * The walking variant (MatchesUsingParentResults): pass the parent
   * directory's result so parents are not matched again. `path` must already
   * be clean. Without `parent`, parents are matched as in `matches`.
   */
  matchWithParent(path: string, parent?: ParentMatches): MatchResult {
    return this.evaluate(path, parent);
  }

  private evaluate(file: string, parent: ParentMatches | undefined): MatchResult {
    const parentMatched = parent?.parentMatched ?? [];
    if (parentMatched.length !== 0 && parentMatched.length !== this.patterns.length) {
      throw new TsbuildError('internal', 'INTERNAL', 'ignore matcher: wrong number of parent results');
    }
    let parentDirs: string[] | undefined;
    let excluded = false;
    const matchedNow: boolean[] = new Array<boolean>(this.patterns.length).fill(false);
    this.patterns.forEach((pattern, i) => {
      let match = parentMatched[i] ?? false;
      if (!match) {
        if (pattern.exclusion !== excluded) return;
        match = pattern.match(file);
        if (!match && parentMatched.length === 0) {
          parentDirs ??= parentChain(file);
          for (const dir of parentDirs) {
            if (pattern.match(dir)) {
              match = true;
              break;
            }
          }
        }
      }
      matchedNow[i] = match;
      if (match) excluded = !pattern.exclusion;
    });
    return { excluded, info: { parentMatched: matchedNow } };
  }

  /**
   * Can a walker skip everything below `dir` (clean, relative)? True only
   * when `dir` is excluded and no `!` pattern could re-include anything
   * beneath it.
   */
  canSkipDir(dir: string): boolean {
    if (!this.matches(dir)) return false;
    if (!this.hasExclusions) return true;
    const dirSegs = cleanPath(dir).split('/');
    return !this.patterns.some((p) => p.exclusion && mayMatchBelow(p.text, dirSegs));
  }
}

/** The parent directories of a path, outermost first (`a`, `a/b` for `a/b/c`). */
function parentChain(file: string): string[] {
  const parent = dirOf(file);
  if (parent === '.') return [];
  const segs = parent.split('/');
  const out: string[] = [];
  for (let i = 0; i < segs.length; i++) out.push(segs.slice(0, i + 1).join('/'));
  return out;
}

const GLOB_CHARS = /[*?[\\]/;

/** Conservative: could the pattern match `dir/…`, or a parent of it? */
function mayMatchBelow(pattern: string, dirSegs: string[]): boolean {
  const patSegs = pattern.split('/');
  for (let i = 0; i < dirSegs.length; i++) {
    const seg = patSegs[i];
    if (seg === undefined) return true; // the pattern names a parent of dir
    if (GLOB_CHARS.test(seg)) return true;
    if (seg !== dirSegs[i]) return false;
  }
  return true;
}
