// tsbuild graph: the stages a target needs, as a tree or as Graphviz DOT.
import { flagList, flagString, parseArgs, type FlagSpec } from '../args.js';
import { readBoxfile, resolveBoxfile } from '../boxfile-path.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { boxfileError, buildGraph, formatGraphDot, formatGraphText, hasErrors, parseBoxfile } from '../../parser/index.js';

const flags: FlagSpec[] = [
  { name: 'file', short: 'f', kind: 'string', value: 'FILE', description: 'the Boxfile (default CONTEXT/Boxfile, else CONTEXT/Dockerfile)' },
  { name: 'target', kind: 'string', value: 'STAGE', description: 'the stage to build (default the last one)' },
  { name: 'build-arg', kind: 'list', value: 'NAME=VALUE', description: 'a build argument' },
  { name: 'format', kind: 'string', value: 'text|dot', description: 'text: a tree (default); dot: Graphviz' },
];

export function parseBuildArgs(list: readonly string[], env: NodeJS.ProcessEnv): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq === 0) throw usageError(`--build-arg needs NAME=VALUE, not '${item}'`);
    if (eq === -1) {
      // `--build-arg NAME` takes the value from the environment, as docker does
      const v = env[item];
      if (v !== undefined) out.set(item, v);
    } else out.set(item.slice(0, eq), item.slice(eq + 1));
  }
  return out;
}

export const command: Command = {
  name: 'graph',
  summary: 'Show the stages of a Boxfile and what each needs',
  usage: 'tsbuild graph [-f FILE] [--target STAGE] [--build-arg NAME=VALUE] [--format text|dot] [CONTEXT]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length > 1) throw usageError(`graph takes at most one CONTEXT folder, got: ${args.positionals.join(' ')}`);
    const format = flagString(args, 'format') ?? 'text';
    if (format !== 'text' && format !== 'dot') throw usageError(`--format must be text or dot, not '${format}'`);
    const buildArgs = parseBuildArgs(flagList(args, 'build-arg'), ctx.env);
    const where = await resolveBoxfile(ctx.cwd, flagString(args, 'file'), args.positionals[0]);
    const text = await readBoxfile(where);
    const parsed = parseBoxfile(text, { file: where.display });
    if (hasErrors(parsed.diagnostics)) throw boxfileError(parsed.diagnostics, text);
    const target = flagString(args, 'target');
    const g = buildGraph(parsed.value, { buildArgs, ...(target !== undefined ? { target } : {}) });
    const unknownTarget = g.diagnostics.find((d) => d.code === 'UNKNOWN_TARGET');
    if (unknownTarget) throw usageError(`--target: ${unknownTarget.message}`);
    if (hasErrors(g.diagnostics) || !g.value) throw boxfileError(g.diagnostics, text);
    ctx.stdout.write(format === 'dot' ? formatGraphDot(g.value) : formatGraphText(g.value));
    return 0;
  },
};
