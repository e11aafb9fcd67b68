// Every fixture Boxfile parses cleanly (and has a stage graph); every invalid
// fixture is refused with positioned errors.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGraph, hasErrors, parseBoxfile, parseDump } from '../../src/parser/index.js';

const dir = (sub: string) => new URL(`../../fixtures/${sub}/`, import.meta.url);
const files = (sub: string) => readdirSync(dir(sub)).filter((f) => f.endsWith('Boxfile')).sort();

describe('fixtures/boxfiles', () => {
  it('has fixtures', () => expect(files('boxfiles').length).toBeGreaterThanOrEqual(3));
  for (const f of files('boxfiles')) {
    it(`${f} is valid`, () => {
      const text = readFileSync(new URL(f, dir('boxfiles')), 'utf8');
      const r = parseBoxfile(text, { file: f });
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const g = buildGraph(r.value);
      expect(g.diagnostics).toEqual([]);
      expect(g.value?.order.length).toBeGreaterThan(0);
      expect(parseDump(text).value.split('\n').length - 1).toBe(r.value.instructions.length);
    });
  }
  it('windows-escape.Boxfile uses the backtick as its escape character', () => {
    const r = parseBoxfile(readFileSync(new URL('windows-escape.Boxfile', dir('boxfiles')), 'utf8'));
    const env = r.value.stages[0]?.instructions[0];
    expect(env).toMatchObject({ kind: 'env', pairs: [{ key: 'TOOLS', value: 'C:\\tools' }, { key: 'PATH', value: '"C:\\tools\\bin;${PATH}"' }] });
    expect(r.value.stages[0]?.instructions[1]).toMatchObject({ kind: 'run', command: { text: 'powershell -Command     New-Item -ItemType Directory -Path C:\\tools ;     Write-Host done' } });
  });
});

describe('fixtures/invalid', () => {
  for (const f of files('invalid')) {
    it(`${f} is refused with positioned errors`, () => {
      const text = readFileSync(new URL(f, dir('invalid')), 'utf8');
      const p = parseBoxfile(text, { file: f });
      const errors = [...p.diagnostics];
      if (!hasErrors(errors)) errors.push(...buildGraph(p.value).diagnostics);
      expect(hasErrors(errors)).toBe(true);
      for (const d of errors) {
        expect(d.range.file).toBe(f);
        expect(d.range.start.line).toBeGreaterThanOrEqual(1);
        expect(d.range.start.column).toBeGreaterThanOrEqual(1);
      }
    });
  }
});
