// Hand-built instructions for planner tests (no parser needed).
import type { ImageConfig } from '../../src/image/config.js';
import type { Digest } from '../../src/image/digest.js';
import type { SourceRange } from '../../src/errors.js';
import type { ContextSnapshot } from '../../src/builder/context-paths.js';
import type { PlanInput } from '../../src/builder/plan.js';
import type { ResolvedBase } from '../../src/builder/plan-types.js';
import type {
  ArgInstruction,
  Boxfile,
  CopyInstruction,
  EnvInstruction,
  FromInstruction,
  Instruction,
  LabelInstruction,
  Mount,
  RunInstruction,
  Stage,
  WorkdirInstruction,
} from '../../src/parser/instructions.js';

let line = 0;
export function r(): SourceRange {
  line++;
  return { file: 'Boxfile', start: { line, column: 1, offset: 0 }, end: { line, column: 10, offset: 0 } };
}
const w = (text: string) => ({ text, range: r() });
const base = <K extends string>(kind: K) => ({ kind, range: r(), keyword: kind.toUpperCase(), flags: [] });

export const from = (image: string, as?: string): FromInstruction => ({ ...base('from'), image: w(image), ...(as ? { stageName: w(as) } : {}) });
export const run = (text: string, extra: Partial<RunInstruction> = {}): RunInstruction => ({
  ...base('run'),
  command: { form: 'shell', text, range: r() },
  mounts: [] as Mount[],
  heredocs: [],
  ...extra,
});
export const copy = (sources: string[], dest: string, extra: Partial<CopyInstruction> = {}): CopyInstruction => ({
  ...base('copy'),
  sources: sources.map(w),
  dest: w(dest),
  json: false,
  link: false,
  parents: false,
  exclude: [],
  heredocs: [],
  ...extra,
});
export const env = (key: string, value: string): EnvInstruction => ({ ...base('env'), pairs: [{ key, value, range: r() }], legacy: false });
export const label = (key: string, value: string): LabelInstruction => ({ ...base('label'), pairs: [{ key, value, range: r() }], legacy: false });
export const arg = (name: string, defaultValue?: string): ArgInstruction => ({ ...base('arg'), args: [{ name, ...(defaultValue !== undefined ? { defaultValue } : {}), range: r() }] });
export const workdir = (p: string): WorkdirInstruction => ({ ...base('workdir'), path: w(p) });

export function boxfile(stages: [FromInstruction, ...Instruction[]][], globalArgs: ArgInstruction[] = []): Boxfile {
  const st: Stage[] = stages.map(([f, ...ins], index) => ({
    index,
    ...(f.stageName ? { name: f.stageName.text.toLowerCase() } : {}),
    from: f,
    instructions: ins,
    range: f.range,
  }));
  return { file: 'Boxfile', directives: { escape: '\\' }, globalArgs, stages: st, instructions: stages.flat() };
}

export function ctx(files: Record<string, string>, root = '/home/u/project'): ContextSnapshot {
  const entries = Object.entries(files).map(([p, content]) => ({
    path: p,
    type: 'file' as const,
    mode: 0o644,
    size: content.length,
    sha256: `sha256:${Buffer.from(content).toString('hex').padEnd(64, '0').slice(0, 64)}`,
  }));
  const dirs = new Set<string>();
  for (const e of entries) for (let d = e.path.split('/').slice(0, -1).join('/'); d; d = d.split('/').slice(0, -1).join('/')) dirs.add(d);
  const all = [...entries, ...[...dirs].map((d) => ({ path: d, type: 'dir' as const, mode: 0o755, size: 0 }))].sort((a, b) => (a.path < b.path ? -1 : 1));
  return { root, entries: all, rootMode: 0o755 };
}

export function image(ref: string, id: string, config: ImageConfig['config'] = { Env: ['PATH=/bin'] }): ResolvedBase {
  return {
    ref,
    id: `sha256:${id.padEnd(64, '0')}` as Digest,
    manifestDigest: `sha256:${id.padEnd(64, 'f')}` as Digest,
    config: { architecture: 'amd64', os: 'linux', config, rootfs: { type: 'layers', diff_ids: [] }, history: [{ created_by: 'base' }] },
  };
}

export function input(bf: Boxfile, over: Partial<PlanInput> = {}): PlanInput {
  return {
    boxfile: bf,
    buildArgs: new Map(),
    context: ctx({ 'a.txt': 'A', 'src/b.txt': 'B' }),
    images: new Map([['busybox', image('busybox', 'b1')]]),
    platform: { os: 'linux', architecture: 'amd64' },
    sourceDateEpoch: 0,
    ...over,
  };
}
