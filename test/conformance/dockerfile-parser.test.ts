// BuildKit's parser corpus (../shared/conformance/dockerfile-parser): every
// positive case dumps byte for byte, every negative case is refused, and the
// transcribed Go tables (heredocs, line numbers, directives, words, JSON) hold.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAst } from '../../src/parser/parse-ast.js';
import { dump } from '../../src/parser/dump.js';
import { heredocsFromLine, parseHeredocWord, chompHeredoc, HeredocSyntaxError } from '../../src/parser/heredocs.js';
import { parseJsonArray, splitWords, parseArguments, NOT_STRING_ARRAY } from '../../src/parser/line-parsers.js';
import { DirectiveScanner } from '../../src/parser/directives.js';
import type { AstNode } from '../../src/parser/ast.js';

const repoRoot = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const corpus = path.resolve(repoRoot, '../shared/conformance/dockerfile-parser');
const why = existsSync(corpus) ? undefined : `conformance corpus not found at ${corpus}`;

function cases(sub: string): string[] {
  const dir = path.join(corpus, sub);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((c) => existsSync(path.join(dir, c, 'Dockerfile')))
    .sort();
}

function read(...p: string[]): string {
  return readFileSync(path.join(corpus, ...p), 'utf8');
}

function heredocsOf(n: AstNode): AstNode['heredocs'] {
  return n.nested ? n.nested.heredocs : n.heredocs;
}

describe.skipIf(!!why)(`dockerfile parser corpus${why ? ` (skipped: ${why})` : ''}`, () => {
  for (const sub of ['positive', 'supplementary/positive', 'real-world/positive']) {
    const list = cases(sub);
    it(`${sub} has cases`, () => expect(list.length).toBeGreaterThan(0));
    describe(sub, () => {
      for (const c of list) {
        it(c, () => {
          const r = parseAst(read(sub, c, 'Dockerfile'), 'Dockerfile');
          expect(r.errors.map((e) => e.message)).toEqual([]);
          expect(dump(r.nodes)).toBe(read(sub, c, 'result').replace(/\r\n/g, '\n'));
          const hjson = path.join(corpus, sub, c, 'heredocs.json');
          if (existsSync(hjson)) {
            const expected = JSON.parse(readFileSync(hjson, 'utf8')) as {
              childIndex: number;
              startLine: number;
              endLine: number;
              heredocs: { name: string; fileDescriptor: number; expand: boolean; chomp: boolean; content: string }[];
            }[];
            const withHeredocs = r.nodes.map((n, i) => [i, n] as const).filter(([, n]) => heredocsOf(n).length > 0);
            expect(withHeredocs.map(([i]) => i)).toEqual(expected.map((e) => e.childIndex));
            for (const e of expected) {
              const n = r.nodes[e.childIndex] as AstNode;
              expect([n.range.start.line, n.range.end.line]).toEqual([e.startLine, e.endLine]);
              expect(heredocsOf(n).map((h) => ({ name: h.name, fileDescriptor: h.fileDescriptor, expand: h.expand, chomp: h.chomp, content: h.content }))).toEqual(e.heredocs);
            }
          }
        });
      }
    });
  }

  for (const sub of ['negative', 'supplementary/negative', 'real-world/negative']) {
    const list = cases(sub);
    it(`${sub} has cases`, () => expect(list.length).toBeGreaterThan(0));
    describe(sub, () => {
      for (const c of list) {
        it(`${c} is refused`, () => {
          const r = parseAst(read(sub, c, 'Dockerfile'), 'Dockerfile');
          expect(r.errors.length).toBeGreaterThan(0);
          const e = r.errors[0];
          expect(e?.range.start.line).toBeGreaterThanOrEqual(1);
          const errFile = path.join(corpus, sub, c, 'error');
          if (existsSync(errFile) && !c.includes('heredoc')) {
            // our message carries BuildKit's wording
            const words = readFileSync(errFile, 'utf8').trim();
            expect(words).toContain(e?.message.replace(/^unterminated heredoc.*/, 'unterminated heredoc') ?? '');
          }
        });
      }
    });
  }
});

interface HeredocTables {
  TestParseExtractsHeredoc: {
    dockerfile: string;
    checks: { childIndex: number; heredocs: { Name: string; FileDescriptor: number; Expand: boolean; Chomp: boolean; Content: string }[] }[];
  };
  TestParseJSONHeredoc: { dockerfile: string; childrenWithoutHeredocs: number[] };
  TestHeredocChomp: { cases: { input: string; expect: string }[] };
  TestParseHeredocHelpers: { valid: string[]; invalid: string[]; notHeredoc: string[] };
  TestHeredocsFromLine: { cases: { line: string; heredocNames: string[]; buildkitActual?: string[] }[] };
}

describe.skipIf(!!why)('go-tables: heredocs', () => {
  const t = why ? undefined : (JSON.parse(read('go-tables', 'heredoc-cases.json')) as HeredocTables);
  it('extracts every heredoc of the upstream Dockerfile', () => {
    const c = (t as HeredocTables).TestParseExtractsHeredoc;
    const r = parseAst(c.dockerfile, 'Dockerfile');
    expect(r.errors).toEqual([]);
    expect(c.checks.length).toBeGreaterThan(20);
    for (const check of c.checks) {
      const n = r.nodes[check.childIndex] as AstNode;
      const got = heredocsOf(n).map((h) => ({ name: h.name, fd: h.fileDescriptor, expand: h.expand, chomp: h.chomp, content: h.content }));
      const norm = (h: Record<string, unknown>) => ({
        name: h.Name ?? h.name,
        fd: h.FileDescriptor ?? h.fileDescriptor ?? 0,
        expand: h.Expand ?? h.expand,
        chomp: h.Chomp ?? h.chomp ?? false,
        content: h.Content ?? h.content ?? '',
      });
      expect(got, `child ${check.childIndex}`).toEqual(check.heredocs.map((h) => norm(h as unknown as Record<string, unknown>)));
    }
  });
  it('never finds heredocs in JSON-form RUN', () => {
    const c = (t as HeredocTables).TestParseJSONHeredoc;
    const r = parseAst(c.dockerfile, 'Dockerfile');
    for (const i of c.childrenWithoutHeredocs) expect(r.nodes[i]?.heredocs).toEqual([]);
  });
  it('chomps leading tabs', () => {
    for (const c of (t as HeredocTables).TestHeredocChomp.cases) expect(chompHeredoc(c.input)).toBe(c.expect);
  });
  it('ParseHeredoc: valid, invalid, not a heredoc', () => {
    const c = (t as HeredocTables).TestParseHeredocHelpers;
    for (const w of c.valid) expect(parseHeredocWord(w)?.name, w).toBe('EOF');
    for (const w of c.invalid) expect(() => parseHeredocWord(w), w).toThrow(HeredocSyntaxError);
    for (const w of c.notHeredoc) expect(parseHeredocWord(w), w).toBeUndefined();
  });
  it('heredocsFromLine', () => {
    for (const c of (t as HeredocTables).TestHeredocsFromLine.cases) {
      expect(heredocsFromLine(c.line).map((h) => h.name), c.line).toEqual(c.buildkitActual ?? c.heredocNames);
    }
  });
});

describe.skipIf(!!why)('go-tables: parser unit cases', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const t = why ? undefined : (JSON.parse(read('go-tables', 'parser-unit-cases.json')) as any);
  it('parseWords', () => {
    for (const c of t.parseWords.cases) expect(splitWords(c.input, '\\'), c.input).toEqual(c.expect);
  });
  it('JSON arrays: valid and not all strings', () => {
    for (const c of t.jsonArrays.valid) expect(parseJsonArray(c.input), c.input).toEqual(c.expect);
    for (const input of t.jsonArrays.invalidNotAllStrings) expect(() => parseJsonArray(input), input).toThrow(NOT_STRING_ARRAY);
  });
  it('name=value and legacy ENV/LABEL', () => {
    for (const c of t.nameVal.cases) {
      const shape = c.key === 'ENV' ? 'env' : 'label';
      if (c.expectError) expect(() => parseArguments(shape, c.rest, '\\')).toThrow(c.expectError);
      else expect(parseArguments(shape, c.rest, '\\').args).toEqual(c.expectValues);
    }
  });
  it('line numbers', () => {
    const c = t.lineNumbers;
    const r = parseAst(read(c.file), 'Dockerfile');
    expect(r.errors).toEqual([]);
    expect(r.nodes.map((n) => ({ startLine: n.range.start.line, endLine: n.range.end.line }))).toEqual(c.children);
    expect(r.nodes[0]?.range.start.line).toBe(c.root.startLine);
    expect(r.nodes.at(-1)?.range.end.line).toBe(c.root.endLine);
  });
  it('empty continuation line warnings', () => {
    const c = t.emptyContinuationWarnings;
    const r = parseAst(c.dockerfile, 'Dockerfile');
    expect(r.errors).toEqual([]);
    expect(r.warnings.length).toBe(c.warningCount);
    for (const s of c.warning0ShortContains) expect(r.warnings[0]?.message).toContain(s);
    for (const s of [].concat(c.warning1ShortContains)) expect(r.warnings[1]?.message).toContain(s);
    expect(r.warnings.map((w) => w.message)).toEqual(c.generatedWarningShorts);
    if (c.generatedDump) expect(dump(r.nodes)).toBe(c.generatedDump.endsWith('\n') ? c.generatedDump : `${c.generatedDump}\n`);
  });
  it('line too long', () => {
    const c = t.scannerLineTooLong;
    const r = parseAst(c.prefix + c.repeatChar.repeat(c.repeatCount) + c.suffix, 'Dockerfile');
    expect(r.errors[0]?.message).toBe(c.expectErrorMessage);
    const ok = parseAst(c.prefix + c.repeatChar.repeat(c.repeatCount - 1 - 'LABEL test='.length - 2) + c.suffix, 'Dockerfile');
    expect(ok.errors).toEqual([]);
  });
  it('parser directives', () => {
    for (const c of t.directives.parserDirectives) {
      const s = new DirectiveScanner();
      for (const line of (c.input as string).split('\n')) s.scan(line.replace(/^\s+/, ''));
      expect([...s.seen].map(([name, value]) => ({ name, value })), c.input).toEqual(c.expect);
    }
  });
});
