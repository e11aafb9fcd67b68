// Mutates the conformance corpus (seeded, deterministic) and checks that the
// parser, the word expander and the ignore matcher never fail with anything
// but their own positioned diagnostics / TsbuildErrors, and stay fast.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TsbuildError } from '../../src/errors.js';
import { parseBoxfile, parseDump } from '../../src/parser/index.js';
import { IgnoreMatcher } from '../../src/parser/ignore.js';
import { globalScope, stageScope } from '../../src/parser/scope.js';
import { expandWord } from '../../src/parser/words.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpusDir = path.resolve(repoRoot, '../shared/conformance/dockerfile-parser');
const missing = existsSync(corpusDir) ? undefined : `conformance data not found at ${corpusDir}`;

/** mulberry32: a small seeded PRNG, so every run mutates the same way */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function findDockerfiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) findDockerfiles(p, out);
    else if (name === 'Dockerfile') out.push(p);
  }
  return out;
}

const INSERTS = ['\\', '`', '<<', '<<EOF', '<<-"EOF"', '[', ']', '"', "'", '--', '--mount=', '${', '}', '$', '#', '\n', '\r\n', ' ', '\t', '=', ',', 'ONBUILD ', 'FROM ', 'AS ', '\nEOF\n', '# escape=`\n', '{', '\u00a0', '한'];

function mutate(text: string, rnd: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  let s = text;
  const n = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(rnd() * (s.length + 1));
    const lines = s.split('\n');
    const li = Math.floor(rnd() * lines.length);
    switch (Math.floor(rnd() * 8)) {
      case 0: // delete a run of characters
        s = s.slice(0, i) + s.slice(i + 1 + Math.floor(rnd() * 3));
        break;
      case 1: // duplicate a character
        s = s.slice(0, i) + s.slice(i, i + 1) + s.slice(i);
        break;
      case 2: // swap two neighbours
        s = s.slice(0, i) + s.slice(i + 1, i + 2) + s.slice(i, i + 1) + s.slice(i + 2);
        break;
      case 3: // delete a line
        lines.splice(li, 1);
        s = lines.join('\n');
        break;
      case 4: // duplicate a line
        lines.splice(li, 0, lines[li] ?? '');
        s = lines.join('\n');
        break;
      case 5: {
        // swap two lines
        const lj = Math.floor(rnd() * lines.length);
        const t = lines[li] ?? '';
        lines[li] = lines[lj] ?? '';
        lines[lj] = t;
        s = lines.join('\n');
        break;
      }
      default: // insert a troublesome token
        s = s.slice(0, i) + pick(INSERTS) + s.slice(i);
    }
  }
  return s;
}

const files = missing ? [] : findDockerfiles(corpusDir);
const sources = files.map((f) => readFileSync(f, 'utf8'));
const target = { os: 'linux', architecture: 'amd64' };

describe.skipIf(!!missing)(`fuzz: mutated conformance corpus${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('has a corpus to mutate', () => {
    expect(sources.length).toBeGreaterThan(300);
  });

  it('the parser returns positioned diagnostics for 4,000 mutated Boxfiles and never throws', () => {
    const rnd = prng(0x5eed);
    let withErrors = 0;
    let slowest = 0;
    for (let n = 0; n < 4000; n++) {
      const text = mutate(sources[n % sources.length] as string, rnd);
      const started = performance.now();
      let result: ReturnType<typeof parseBoxfile>;
      try {
        result = parseBoxfile(text, { file: 'fuzz/Boxfile' });
        parseDump(text, { file: 'fuzz/Boxfile' });
      } catch (err) {
        throw new Error(`input #${n} (from ${files[n % files.length]}) threw: ${(err as Error).stack}\n--- input ---\n${text}`);
      }
      slowest = Math.max(slowest, performance.now() - started);
      const lineCount = text.split('\n').length;
      for (const d of result.diagnostics) {
        expect(d.range.file).toBe('fuzz/Boxfile');
        expect(d.range.start.line).toBeGreaterThanOrEqual(1);
        expect(d.range.start.line).toBeLessThanOrEqual(lineCount + 1);
        expect(d.range.start.column).toBeGreaterThanOrEqual(1);
        expect(d.message.length).toBeGreaterThan(0);
      }
      if (result.diagnostics.some((d) => d.severity === 'error')) {
        withErrors++;
        continue;
      }
      // a valid result must also go through ARG/ENV scoping without throwing
      const opts = { buildPlatform: target, targetPlatform: target, escapeToken: result.value.directives.escape };
      const g = globalScope(result.value.globalArgs, opts);
      for (const stage of result.value.stages) stageScope(stage.instructions, g, opts);
    }
    // the mutations must actually produce both broken and valid files
    expect(withErrors).toBeGreaterThan(100);
    expect(withErrors).toBeLessThan(4000);
    // a guard against runaway inputs (backtracking, loops), generous for a loaded machine
    expect(slowest).toBeLessThan(5000);
  }, 300_000);
});

describe.skipIf(!!missing)('fuzz: word expansion and ignore patterns', () => {
  it('expandWord throws only WORD_EXPANSION errors on 20,000 mutated words', () => {
    const rnd = prng(42);
    const words = sources.flatMap((s) => s.split('\n')).filter((l) => l.length > 0 && l.length < 300);
    const env = new Map([
      ['A', 'x y'],
      ['EMPTY', ''],
      ['P', '/a/b.c'],
    ]);
    let failures = 0;
    for (let n = 0; n < 20000; n++) {
      const w = mutate(words[Math.floor(rnd() * words.length)] as string, rnd);
      for (const escapeToken of ['\\', '`'] as const) {
        const opts = { escapeToken, rawQuotes: rnd() < 0.3, rawEscapes: rnd() < 0.3, skipUnsetEnv: rnd() < 0.3, skipProcessQuotes: rnd() < 0.2 };
        try {
          const r = expandWord(w, env, opts);
          expect(typeof r.result).toBe('string');
          expect(r.words.every((word) => word.length > 0)).toBe(true);
        } catch (err) {
          if (!(err instanceof TsbuildError) || err.code !== 'WORD_EXPANSION') throw err;
          failures++;
        }
      }
    }
    expect(failures).toBeGreaterThan(0);
  }, 120_000);

  it('the ignore matcher throws only IGNORE_PATTERN errors on 10,000 mutated pattern lists', () => {
    const rnd = prng(7);
    const base = ['*.go', '**/node_modules', '!keep/**', '[a-c]?x', 'dir/', 'a\\*b', '[[:alpha:]]', '/abs/../p'];
    let failures = 0;
    for (let n = 0; n < 10000; n++) {
      const patterns = base.map((p) => (rnd() < 0.3 ? mutate(p, rnd) : p));
      try {
        const m = IgnoreMatcher.compile(patterns);
        for (const p of ['a/b/c.go', 'node_modules/x', 'keep/y', 'bx', '[', '.']) m.matches(p);
        m.canSkipDir('node_modules');
      } catch (err) {
        if (!(err instanceof TsbuildError) || err.code !== 'IGNORE_PATTERN') throw err;
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  }, 120_000);

  it('canSkipDir is sound: everything below a skippable directory is excluded (5,000 random pattern sets)', () => {
    const rnd = prng(99);
    const segs = ['a', 'b', 'c', 'node_modules', 'x.go', 'keep'];
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const randomPath = (min: number, max: number) => Array.from({ length: min + Math.floor(rnd() * (max - min + 1)) }, () => pick(segs)).join('/');
    const patternPool = ['a', 'b/**', '**/node_modules', '*.go', '!**/*.go', '!keep', '!a/keep', '!b/c/*', 'c', '**/c/**', '!*/x.go', 'a/b', '!a/b/c', '*'];
    let skipped = 0;
    for (let n = 0; n < 5000; n++) {
      const patterns = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => pick(patternPool));
      const m = IgnoreMatcher.compile(patterns);
      const dir = randomPath(1, 2);
      if (!m.canSkipDir(dir)) continue;
      skipped++;
      for (let k = 0; k < 10; k++) {
        const below = `${dir}/${randomPath(1, 3)}`;
        expect(m.matches(below), `${JSON.stringify(patterns)} skip ${dir} but ${below} is included`).toBe(true);
      }
    }
    expect(skipped).toBeGreaterThan(100);
  }, 120_000);
});
