// tsbuild parse: the typed instructions (validated, as the builder sees
// them) as JSON, or BuildKit's parse dump.
import { flagString, parseArgs, type FlagSpec } from '../args.js';
import { readBoxfile, resolveBoxfile } from '../boxfile-path.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { boxfileError, buildGraph, formatDiagnostics, hasErrors, parseBoxfile, parseDump } from '../../parser/index.js';

const flags: FlagSpec[] = [
  { name: 'file', short: 'f', kind: 'string', value: 'FILE', description: 'the Boxfile (default CONTEXT/Boxfile, else CONTEXT/Dockerfile)' },
  { name: 'format', kind: 'string', value: 'json|dump', description: "json: validated instructions with source ranges (default); dump: BuildKit's parse dump" },
];

export const command: Command = {
  name: 'parse',
  summary: 'Parse and check a Boxfile; print its instructions',
  usage: 'tsbuild parse [-f FILE] [--format json|dump] [CONTEXT]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length > 1) throw usageError(`parse takes at most one CONTEXT folder, got: ${args.positionals.join(' ')}`);
    const format = flagString(args, 'format') ?? 'json';
    if (format !== 'json' && format !== 'dump') throw usageError(`--format must be json or dump, not '${format}'`);
    const where = await resolveBoxfile(ctx.cwd, flagString(args, 'file'), args.positionals[0]);
    const text = await readBoxfile(where);
    if (format === 'dump') {
      const r = parseDump(text, { file: where.display });
      if (hasErrors(r.diagnostics)) throw boxfileError(r.diagnostics, text);
      ctx.stdout.write(r.value);
      return 0;
    }
    const r = parseBoxfile(text, { file: where.display });
    if (hasErrors(r.diagnostics)) throw boxfileError(r.diagnostics, text);
    // what the builder checks across stages too (cycles, --from=N out of range);
    // expansion problems depend on --build-arg values, which `build` checks
    const graph = buildGraph(r.value).diagnostics.filter((d) => d.code !== 'EXPANSION');
    if (hasErrors(graph)) throw boxfileError(graph, text);
    const warnings = r.diagnostics.filter((d) => d.severity === 'warning');
    if (warnings.length > 0) ctx.stderr.write(`${formatDiagnostics(warnings, text)}\n`);
    const b = r.value;
    const out = {
      file: b.file,
      directives: b.directives,
      stages: b.stages.map((s) => ({ index: s.index, name: s.name ?? null, range: s.range, instructions: s.instructions.length })),
      instructions: b.instructions,
    };
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  },
};
