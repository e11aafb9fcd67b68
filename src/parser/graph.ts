// The stage graph: which stage needs which (FROM a stage, COPY --from,
// RUN --mount from=), pruned to what --target needs, in topological order
// and in levels of stages that can be built in parallel.
import type { SourceRange } from '../errors.js';
import { diagnostic, type Diagnostic, type Result } from './diagnostics.js';
import type { Boxfile, Instruction, Stage } from './instructions.js';
import { globalScope, hostPlatform, type Platform } from './scope.js';
import { didYouMean } from './suggest.js';
import { processWord, type ShellEnv } from './words.js';

export interface GraphOptions {
  target?: string;
  buildArgs?: ReadonlyMap<string, string>;
  buildPlatform?: Platform;
  targetPlatform?: Platform;
}

export interface StageDependency {
  /** index of the stage depended on */
  stage: number;
  via: 'from' | 'copy' | 'mount';
  range: SourceRange;
}

export type StageBaseRef = { kind: 'stage'; stage: number } | { kind: 'image'; ref: string } | { kind: 'scratch' };

export interface GraphStage {
  stage: Stage;
  /** the AS name, else the index as a string */
  label: string;
  base: StageBaseRef;
  deps: StageDependency[];
  /** images used by COPY --from / RUN --mount from= that are not stages */
  images: string[];
}

export interface StageGraph {
  /** index of the target stage */
  target: number;
  /** the stages the target needs, dependencies first (topological order) */
  order: GraphStage[];
  /** stage indexes by level: every stage of a level only needs stages of earlier levels */
  levels: number[][];
}

function expand(word: string, env: ShellEnv, escape: '\\' | '`', range: SourceRange, d: Diagnostic[]): string {
  try {
    return processWord(word, env, { escapeToken: escape });
  } catch (e) {
    d.push(diagnostic('EXPANSION', e instanceof Error ? e.message : String(e), range));
    return word;
  }
}

/** the ARG/ENV values visible to each instruction of a stage, for --from and mount from= */
function* stageSteps(stage: Stage, meta: ReadonlyMap<string, string>, buildArgs: ReadonlyMap<string, string>, escape: '\\' | '`', d: Diagnostic[]): Generator<[Instruction, ShellEnv]> {
  const env = new Map<string, string>();
  for (const inst of stage.instructions) {
    yield [inst, env];
    if (inst.kind === 'arg') {
      for (const a of inst.args) {
        const v = buildArgs.get(a.name) ?? (a.defaultValue !== undefined ? expand(a.defaultValue, env, escape, a.range, d) : meta.get(a.name));
        if (v !== undefined) env.set(a.name, v);
      }
    } else if (inst.kind === 'env') {
      for (const p of inst.pairs) env.set(expand(p.key, env, escape, p.range, d), expand(p.value, env, escape, p.range, d));
    }
  }
}

export function buildGraph(boxfile: Boxfile, options: GraphOptions = {}): Result<StageGraph | undefined> {
  const d: Diagnostic[] = [];
  const escape = boxfile.directives.escape;
  const stages = boxfile.stages;
  const buildArgs = options.buildArgs ?? new Map<string, string>();
  const platform = options.buildPlatform ?? hostPlatform();
  const scope = globalScope(boxfile.globalArgs, { buildArgs, buildPlatform: platform, targetPlatform: options.targetPlatform ?? platform, escapeToken: escape });
  d.push(...scope.diagnostics);
  const meta = new Map<string, string>();
  for (const m of scope.metaArgs) if (m.value !== undefined) meta.set(m.name, m.value);
  const byName = new Map<string, number>();
  const label = (s: Stage): string | undefined => {
    if (!s.name || !s.from.stageName) return s.name;
    return s.name.includes('$') ? expand(s.from.stageName.text, scope.env, escape, s.from.stageName.range, d).toLowerCase() : s.name;
  };
  const names = stages.map(label);
  for (const s of stages) {
    const n = names[s.index];
    if (n && !byName.has(n)) byName.set(n, s.index);
  }

  const nodes: GraphStage[] = stages.map((stage) => {
    const node: GraphStage = { stage, label: names[stage.index] ?? String(stage.index), base: { kind: 'scratch' }, deps: [], images: [] };
    const image = expand(stage.from.image.text, scope.env, escape, stage.from.image.range, d);
    const ref = byName.get(image.toLowerCase());
    if (ref !== undefined && ref !== stage.index) {
      node.base = { kind: 'stage', stage: ref };
      node.deps.push({ stage: ref, via: 'from', range: stage.from.image.range });
    } else if (image.toLowerCase() === 'scratch') node.base = { kind: 'scratch' };
    else if (ref === stage.index) {
      d.push(diagnostic('CYCLE', `stage '${stage.name}' cannot be built FROM itself`, stage.from.image.range));
    } else node.base = { kind: 'image', ref: image };
    const refer = (word: string, via: 'copy' | 'mount', range: SourceRange, env: ShellEnv): void => {
      const v = expand(word, env, escape, range, d);
      if (/^\d+$/.test(v)) {
        const idx = Number(v);
        if (idx >= stages.length) d.push(diagnostic('UNKNOWN_STAGE', `there is no stage ${idx}: the Boxfile has ${stages.length} stage${stages.length === 1 ? '' : 's'} (0-${stages.length - 1})`, range));
        else if (idx === stage.index) d.push(diagnostic('CYCLE', `stage ${idx} cannot use itself as a source`, range));
        else node.deps.push({ stage: idx, via, range });
        return;
      }
      const i = byName.get(v.toLowerCase());
      if (i === stage.index) d.push(diagnostic('CYCLE', `stage '${v}' cannot use itself as a source`, range));
      else if (i !== undefined) node.deps.push({ stage: i, via, range });
      else if (!node.images.includes(v)) node.images.push(v);
    };
    // ARG/ENV values that cannot be expanded only matter where they are used
    for (const [inst, env] of stageSteps(stage, meta, buildArgs, escape, [])) {
      if ((inst.kind === 'copy' || inst.kind === 'add') && 'from' in inst && inst.from) refer(inst.from.value, 'copy', inst.from.range, env);
      if (inst.kind === 'run') for (const m of inst.mounts) if ((m.type === 'bind' || m.type === 'cache') && m.from) refer(m.from, 'mount', m.range, env);
    }
    return node;
  });

  let target = stages.length - 1;
  if (options.target !== undefined) {
    const t = byName.get(options.target.toLowerCase());
    if (t === undefined) {
      const names = [...byName.keys()];
      const range = stages[0]?.from.range ?? { file: boxfile.file, start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } };
      d.push(diagnostic('UNKNOWN_TARGET', `target stage '${options.target}' could not be found${didYouMean(options.target, names)}${names.length ? ` (stages: ${names.join(', ')})` : ' (no stage has a name)'}`, range));
      return { value: undefined, diagnostics: d };
    }
    target = t;
  }
  if (target < 0) return { value: undefined, diagnostics: d };

  // depth-first from the target: post-order is a topological order; a grey node seen again is a cycle
  const state = new Map<number, 'grey' | 'black'>();
  const order: GraphStage[] = [];
  const level = new Map<number, number>();
  const visit = (i: number, path: number[]): void => {
    const s = state.get(i);
    if (s === 'black') return;
    const node = nodes[i] as GraphStage;
    if (s === 'grey') {
      const cycle = [...path.slice(path.indexOf(i)), i].map((k) => (nodes[k] as GraphStage).label);
      const at = (nodes[path[path.length - 1] as number] as GraphStage).deps.find((x) => x.stage === i);
      d.push(diagnostic('CYCLE', `stages depend on each other in a cycle: ${cycle.join(' -> ')}`, at?.range ?? node.stage.from.range));
      return;
    }
    state.set(i, 'grey');
    for (const dep of node.deps) visit(dep.stage, [...path, i]);
    state.set(i, 'black');
    level.set(i, Math.max(-1, ...node.deps.map((x) => level.get(x.stage) ?? -1)) + 1);
    order.push(node);
  };
  visit(target, []);
  const levels: number[][] = [];
  for (const n of order) {
    const l = level.get(n.stage.index) as number;
    (levels[l] ??= []).push(n.stage.index);
  }
  for (const l of levels) l.sort((a, b) => a - b);
  return { value: { target, order, levels }, diagnostics: d };
}

/** a readable tree: the target, then what it needs, indented */
export function formatGraphText(graph: StageGraph): string {
  const byIndex = new Map(graph.order.map((n) => [n.stage.index, n]));
  const lines: string[] = [];
  const describe = (n: GraphStage): string => {
    const base = n.base.kind === 'image' ? `FROM ${n.base.ref}` : n.base.kind === 'scratch' ? 'FROM scratch' : `FROM stage ${(byIndex.get(n.base.stage) as GraphStage).label}`;
    const images = n.images.length ? `, uses ${n.images.join(', ')}` : '';
    return `${n.label} (${base}, ${n.stage.instructions.length} instruction${n.stage.instructions.length === 1 ? '' : 's'}, line ${n.stage.from.range.start.line}${images})`;
  };
  const seen = new Set<number>();
  const walk = (i: number, prefix: string, last: boolean, root: boolean, via: string): void => {
    const n = byIndex.get(i) as GraphStage;
    const again = seen.has(i);
    seen.add(i);
    lines.push(root ? describe(n) : `${prefix}${last ? '└── ' : '├── '}${via}${again ? `${n.label} (see above)` : describe(n)}`);
    if (again) return;
    const deps = [...new Map(n.deps.map((x) => [x.stage, x])).values()];
    const childPrefix = root ? '' : `${prefix}${last ? '    ' : '│   '}`;
    deps.forEach((dep, k) => walk(dep.stage, childPrefix, k === deps.length - 1, false, `${dep.via === 'from' ? 'FROM' : dep.via === 'copy' ? 'COPY --from' : 'RUN --mount from'} `));
  };
  walk(graph.target, '', true, true, '');
  lines.push('', 'Build order (stages on one line can run in parallel):');
  graph.levels.forEach((l, k) => lines.push(`  ${k + 1}. ${l.map((i) => (byIndex.get(i) as GraphStage).label).join(', ')}`));
  return `${lines.join('\n')}\n`;
}

function dotId(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Graphviz DOT: an edge from each stage to the stages it needs */
export function formatGraphDot(graph: StageGraph): string {
  const out = ['digraph stages {', '  rankdir=BT;', '  node [shape=box];'];
  for (const n of graph.order) {
    const attrs = n.stage.index === graph.target ? ', style=bold' : '';
    const base = n.base.kind === 'image' ? n.base.ref : n.base.kind === 'scratch' ? 'scratch' : '';
    out.push(`  ${dotId(n.label)} [label=${dotId(base ? `${n.label}\n${base}` : n.label)}${attrs}];`);
  }
  for (const n of graph.order) {
    for (const dep of new Map(n.deps.map((x) => [`${x.stage}:${x.via}`, x])).values()) {
      const to = graph.order.find((m) => m.stage.index === dep.stage) as GraphStage;
      out.push(`  ${dotId(n.label)} -> ${dotId(to.label)} [label=${dotId(dep.via)}];`);
    }
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}
