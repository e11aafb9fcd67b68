// BuildKit's shell-lexer tables (../shared/conformance/shell-lex), read at run time.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { envFromList, expandWord, processWord, processWords, reversePattern, reverseString } from '../../src/parser/words.js';
import { TsbuildError } from '../../src/errors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = path.resolve(repoRoot, '../shared/conformance/shell-lex');
const missing = existsSync(dir) ? undefined : `conformance data not found at ${dir}`;

interface EnvVarCase {
  line: number;
  platform: string;
  input: string;
  expected: string;
}

function readEnvVarTest(): EnvVarCase[] {
  const cases: EnvVarCase[] = [];
  readFileSync(path.join(dir, 'envVarTest'), 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (raw.startsWith('#')) return;
      const line = raw.trim();
      if (line === '') return;
      const fields = line.split('|');
      if (fields.length !== 3) throw new Error(`envVarTest:${i + 1}: expected 3 fields, got ${fields.length}`);
      const [platform, input, expected] = fields.map((f) => f.trim()) as [string, string, string];
      if (!['A', 'U', 'W'].includes(platform)) throw new Error(`envVarTest:${i + 1}: bad platform ${platform}`);
      cases.push({ line: i + 1, platform, input, expected });
    });
  return cases;
}

interface WordsCase {
  line: number;
  input: string;
  expected: string[];
  env: Map<string, string>;
}

function readWordsTest(): WordsCase[] {
  const cases: WordsCase[] = [];
  const envs: string[] = [];
  const lines = readFileSync(path.join(dir, 'wordsTest'), 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, i) => {
    if (line.startsWith('#')) return;
    if (line.startsWith('ENV ')) {
      envs.push(line.slice(3).replace(/^ +/, ''));
      return;
    }
    const fields = line.split('|');
    if (fields.length !== 2) throw new Error(`wordsTest:${i + 1}: expected one |`);
    cases.push({
      line: i + 1,
      input: (fields[0] as string).trim(),
      expected: (fields[1] as string).replace(/^ +/, '').split(','),
      env: envFromList(envs),
    });
  });
  return cases;
}

describe.skipIf(!!missing)(`shell-lex conformance${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const envVarEnv = new Map([
    ['PWD', '/home'],
    ['SHELL', 'bash'],
    ['KOREAN', '한국어'],
    ['NULL', ''],
  ]);

  describe('envVarTest (A and U lines; W lines are Windows-only)', () => {
    const cases = missing ? [] : readEnvVarTest();
    const run = cases.filter((c) => c.platform !== 'W');
    it('has the documented number of lines', () => {
      expect(cases.length).toBe(230);
      expect(run.length).toBe(228);
    });
    it.each(run.map((c) => [`line ${c.line}: ${c.input}`, c] as const))('%s', (_name, c) => {
      if (c.expected === 'error') {
        expect(() => processWord(c.input, envVarEnv)).toThrow(TsbuildError);
      } else {
        expect(processWord(c.input, envVarEnv)).toBe(c.expected);
      }
    });
  });

  describe('wordsTest (default mode)', () => {
    const cases = missing ? [] : readWordsTest();
    it('has the documented number of lines', () => {
      expect(cases.length).toBe(24);
    });
    it.each(cases.map((c) => [`line ${c.line}: ${c.input}`, c] as const))('%s', (_name, c) => {
      let got: string[];
      try {
        got = processWords(c.input, c.env);
      } catch (err) {
        expect(err).toBeInstanceOf(TsbuildError);
        got = ['error'];
      }
      expect(got).toEqual(c.expected);
    });
  });

  describe('lex-cases.json', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const data: any = missing ? {} : JSON.parse(readFileSync(path.join(dir, 'lex-cases.json'), 'utf8'));

    interface MatchCase {
      input: string;
      env: Record<string, string>;
      expectError: boolean;
      expected?: string;
      matched?: string[];
      unmatched?: string[];
    }
    const withMatches: MatchCase[] = data.processWordWithMatches?.cases ?? [];
    it('processWordWithMatches has 47 cases', () => expect(withMatches.length).toBe(47));
    it.each(withMatches.map((c, i) => [`#${i + 1} ${c.input}`, c] as const))('processWordWithMatches %s', (_n, c) => {
      const env = new Map(Object.entries(c.env));
      if (c.expectError) {
        expect(() => expandWord(c.input, env)).toThrow(TsbuildError);
        return;
      }
      const r = expandWord(c.input, env);
      expect(r.result).toBe(c.expected);
      expect([...r.matched].sort()).toEqual([...(c.matched ?? [])].sort());
      expect([...r.unmatched].sort()).toEqual([...(c.unmatched ?? [])].sort());
    });

    interface MandatoryCase {
      input: string;
      env: string[];
      expected?: string;
      errorContains?: string;
    }
    const mandatory: MandatoryCase[] = data.mandatoryEnvVars?.cases ?? [];
    it('mandatoryEnvVars has 6 cases', () => expect(mandatory.length).toBe(6));
    it.each(mandatory.map((c, i) => [`#${i + 1} ${c.input} ${c.env.join(' ')}`, c] as const))('mandatoryEnvVars %s', (_n, c) => {
      const env = envFromList(c.env);
      if (c.errorContains !== undefined) {
        expect(() => processWord(c.input, env)).toThrow(c.errorContains);
      } else {
        expect(processWord(c.input, env)).toBe(c.expected);
      }
    });

    const platform: { input: string; env: Record<string, string>; expected: string }[] = data.platformFilename?.cases ?? [];
    it('platformFilename has 3 cases', () => expect(platform.length).toBe(3));
    it.each(platform.map((c, i) => [`#${i + 1}`, c] as const))('platformFilename %s', (_n, c) => {
      expect(processWord(c.input, new Map(Object.entries(c.env)))).toBe(c.expected);
    });

    const lookups: { env: string[]; name: string; value: string }[] = data.envListLookup?.cases ?? [];
    it('envListLookup has 7 cases', () => expect(lookups.length).toBe(7));
    it.each(lookups.map((c, i) => [`#${i + 1} ${c.name} in [${c.env.join(' ')}]`, c] as const))('envListLookup %s', (_n, c) => {
      expect(envFromList(c.env).get(c.name) ?? '').toBe(c.value);
    });

    const helpers = data.internalHelpers ?? {};
    it('internal helpers: reverseString and reversePattern', () => {
      for (const c of helpers.reverseString ?? []) expect(reverseString(c.input)).toBe(c.expect);
      for (const c of helpers.reversePattern ?? []) expect(reversePattern(c.input)).toBe(c.expect);
      expect((helpers.reversePattern ?? []).length).toBeGreaterThan(0);
    });
    it('internal helpers: invalid patterns are rejected', () => {
      const env = new Map([['V', 'value']]);
      for (const p of helpers.shellPatternToRegexInvalid ?? []) {
        // the pattern reaches the matcher as written: escapes are kept raw inside ${v#…}
        expect(() => processWord('${V#' + p + 'x}', env)).toThrow(/invalid pattern|invalid escape/);
      }
    });
    it('internal helpers: pattern semantics of shellPatternToRegex', () => {
      // `*`, `?`, escaped `*`, and regex metacharacters taken literally
      const env = new Map([
        ['A', 'abc'],
        ['S', '*bc'],
        ['M', '(()[]{}^$.*?|\\rest'],
      ]);
      expect(processWord('${A##*}', env)).toBe('');
      expect(processWord('${A#?}', env)).toBe('bc');
      expect(processWord('${S#\\*}', env)).toBe('bc');
      expect(processWord('${A#\\*}', env)).toBe('abc');
      expect(processWord('${M#(()[]{\\}^$.\\*\\?|\\\\}', env)).toBe('rest');
    });
  });
});
