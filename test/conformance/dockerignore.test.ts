// moby/patternmatcher's .dockerignore cases (../shared/conformance/dockerignore), read at run time.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IgnoreMatcher, cleanPath, compilePattern, readIgnoreFile } from '../../src/parser/ignore.js';
import type { ParentMatches } from '../../src/parser/ignore.js';
import { TsbuildError } from '../../src/errors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.resolve(repoRoot, '../shared/conformance/dockerignore');
const missing = existsSync(dir) ? undefined : `conformance data not found at ${dir}`;

function load<T>(name: string): T {
  return JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as T;
}

interface MatchCase {
  id: string;
  patterns: string[];
  path: string;
  matches: boolean;
  error?: string;
  platform: string;
}

/** MatchesUsingParentResults while walking from the top directory down. */
function walkMatch(m: IgnoreMatcher, file: string): boolean {
  const clean = cleanPath(file);
  if (clean === '.') return false;
  if (clean.startsWith('/')) return m.matchWithParent(clean).excluded;
  const segs = clean.split('/');
  let info: ParentMatches | undefined;
  let excluded = false;
  for (let i = 0; i < segs.length; i++) {
    const r = m.matchWithParent(segs.slice(0, i + 1).join('/'), info);
    info = r.info;
    excluded = r.excluded;
  }
  return excluded;
}

describe.skipIf(!!missing)(`dockerignore conformance${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const cases: MatchCase[] = missing ? [] : load('cases.json');

  it('has 144 cases', () => expect(cases.length).toBe(144));

  describe('cases.json: MatchesOrParentMatches', () => {
    it.each(cases.map((c) => [`${c.id} ${JSON.stringify(c.patterns)} ${JSON.stringify(c.path)}`, c] as const))('%s', (_n, c) => {
      if (c.error !== undefined) {
        let err: unknown;
        try {
          IgnoreMatcher.compile(c.patterns).matches(c.path);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(TsbuildError);
        expect((err as TsbuildError).message).toContain(c.error);
        return;
      }
      expect(IgnoreMatcher.compile(c.patterns).matches(c.path)).toBe(c.matches);
    });
  });

  describe('cases.json: MatchesUsingParentResults while walking', () => {
    const ok = cases.filter((c) => c.error === undefined);
    it.each(ok.map((c) => [`${c.id} ${JSON.stringify(c.path)}`, c] as const))('%s', (_n, c) => {
      expect(walkMatch(IgnoreMatcher.compile(c.patterns), c.path)).toBe(c.matches);
    });
  });

  interface FileCase {
    content: string | null;
    expectPatterns: string[];
    expectContext?: { excluded: string[]; included: string[] };
    expectBuildError?: boolean;
  }
  const fileCases: FileCase[] = missing ? [] : load('ignorefile-cases.json');
  it('ignorefile-cases.json has 4 cases', () => expect(fileCases.length).toBe(4));
  it.each(fileCases.map((c, i) => [`#${i + 1}`, c] as const))('ignorefile-cases.json %s', (_n, c) => {
    const patterns = c.content === null ? [] : readIgnoreFile(c.content);
    expect(patterns).toEqual(c.expectPatterns);
    if (c.expectBuildError) {
      expect(() => IgnoreMatcher.compile(patterns)).toThrow(TsbuildError);
      return;
    }
    if (c.expectContext === undefined) return;
    const m = IgnoreMatcher.compile(patterns);
    for (const f of c.expectContext?.excluded ?? []) expect(m.matches(f), f).toBe(true);
    for (const f of c.expectContext?.included ?? []) expect(m.matches(f), f).toBe(false);
  });

  interface CompileCase {
    matchType: string;
    pattern: string;
    regexpSlash?: string;
  }
  const compileCases: CompileCase[] = missing ? [] : load<{ cases: CompileCase[] }>('compile-cases.json').cases;
  it('compile-cases.json has 21 cases', () => expect(compileCases.length).toBe(21));
  it.each(compileCases.map((c) => [c.pattern, c] as const))('compile-cases.json %s', (_n, c) => {
    const p = compilePattern(cleanPath(c.pattern));
    expect(p.kind).toBe(c.matchType);
    if (c.regexpSlash !== undefined) expect(p.goRegexp).toBe(c.regexpSlash);
  });
});
