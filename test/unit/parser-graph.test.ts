// The stage graph: dependencies, --target pruning, order, levels, cycles.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildGraph, formatGraphDot, formatGraphText, hasErrors, parseBoxfile, type StageGraph } from '../../src/parser/index.js';

function graph(text: string, options: Parameters<typeof buildGraph>[1] = {}) {
  const p = parseBoxfile(text, { file: 'Boxfile' });
  expect(p.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return buildGraph(p.value, options);
}

function ok(text: string, options: Parameters<typeof buildGraph>[1] = {}): StageGraph {
  const g = graph(text, options);
  expect(g.diagnostics).toEqual([]);
  return g.value as StageGraph;
}

const labels = (g: StageGraph) => g.order.map((n) => n.label);
const multistage = readFileSync(new URL('../../fixtures/boxfiles/multistage.Boxfile', import.meta.url), 'utf8');

describe('stage graph', () => {
  it('orders the stages the last one needs, and leaves out the rest', () => {
    const g = ok(multistage);
    expect(g.target).toBe(5);
    expect(labels(g)).toEqual(['base', 'deps', 'tools', 'build', 'final']);
    expect(labels(g)).not.toContain('docs');
    expect(g.levels).toEqual([[0], [1, 2], [3], [5]]);
    const build = g.order.find((n) => n.label === 'build');
    expect(build?.deps.map((d) => [d.stage, d.via])).toEqual([
      [1, 'from'],
      [2, 'copy'],
      [2, 'mount'],
    ]);
    expect(g.order[0]?.base).toEqual({ kind: 'image', ref: 'busybox' });
    expect(g.order.at(-1)?.base).toEqual({ kind: 'scratch' });
  });

  it('--target prunes what the target does not need', () => {
    expect(labels(ok(multistage, { target: 'tools' }))).toEqual(['base', 'tools']);
    expect(labels(ok(multistage, { target: 'DOCS' }))).toEqual(['docs']);
  });

  it('expands FROM with global ARGs and build args', () => {
    const g = ok(multistage, { buildArgs: new Map([['BASE', 'alpine:3']]) });
    expect(g.order[0]?.base).toEqual({ kind: 'image', ref: 'alpine:3' });
    const s = ok('ARG STAGE=one\nFROM a AS one\nFROM ${STAGE}\n');
    expect(s.order.map((n) => n.base)).toEqual([{ kind: 'image', ref: 'a' }, { kind: 'stage', stage: 0 }]);
  });

  it('expands --from with the stage ARGs, numeric --from and images', () => {
    const g = ok('FROM a AS x\nFROM b\nARG SRC=x\nCOPY --from=$SRC /a /a\nCOPY --from=0 /b /b\nCOPY --from=nginx:1 /c /c\n');
    expect(g.order[1]?.deps.map((d) => d.stage)).toEqual([0, 0]);
    expect(g.order[1]?.images).toEqual(['nginx:1']);
  });

  it('expands variable stage names', () => {
    const g = ok('ARG N=first\nFROM a AS ${N}\nFROM first\n');
    expect(labels(g)).toEqual(['first', '1']);
  });

  it('reports an unknown --target with a suggestion', () => {
    const g = graph(multistage, { target: 'biuld' });
    expect(g.value).toBeUndefined();
    expect(g.diagnostics[0]?.message).toBe("target stage 'biuld' could not be found (did you mean build?) (stages: base, deps, tools, build, docs, final)");
  });

  it('reports cycles at the reference that closes them', () => {
    const g = graph(readFileSync(new URL('../../fixtures/invalid/cycle.Boxfile', import.meta.url), 'utf8'));
    expect(hasErrors(g.diagnostics)).toBe(true);
    expect(g.diagnostics.map((d) => [d.code, d.message, d.range.start.line, d.range.start.column])).toEqual([
      ['CYCLE', 'stages depend on each other in a cycle: b -> a -> b', 2, 6],
    ]);
    const self = graph('FROM a AS x\nCOPY --from=x / /\n');
    expect(self.diagnostics.map((d) => d.message)).toEqual(["stage 'x' cannot use itself as a source"]);
    const idx = graph('FROM a\nCOPY --from=3 / /\n');
    expect(idx.diagnostics.map((d) => d.message)).toEqual(['there is no stage 3: the Boxfile has 1 stage (0-0)']);
  });

  it('reports expansion errors at the word', () => {
    const g = graph('FROM a AS x\nFROM ${MISSING:?unset}\n');
    expect(g.diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.column])).toEqual([[expect.any(String), 2, 6]]);
    expect(g.diagnostics[0]?.message).toContain("MISSING: unset");
  });

  it('renders a tree and DOT', () => {
    const g = ok(multistage, { target: 'build' });
    const text = formatGraphText(g);
    expect(text.split('\n')[0]).toBe('build (FROM stage deps, 3 instructions, line 15)');
    expect(text).toContain('├── FROM deps (FROM stage base, 1 instruction, line 8)');
    expect(text).toContain('  2. deps, tools');
    const dot = formatGraphDot(g);
    expect(dot.startsWith('digraph stages {')).toBe(true);
    expect(dot).toContain('"build" -> "tools" [label="copy"];');
    expect(dot).toContain('"base" [label="base\\nbusybox"];');
    expect(dot).not.toContain('docs');
  });
});
