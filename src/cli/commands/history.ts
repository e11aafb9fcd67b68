import { flagBool, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { humanAge, humanSize, shortId, table } from '../../image/display.js';
import { historyRows } from '../../image/inspect.js';
import { withStore } from './with-store.js';

const flags = [
  { name: 'no-trunc', kind: 'bool', description: "don't truncate output" },
  { name: 'format', kind: 'string', value: 'FORMAT', description: "'table' (default) or 'json' (one object per line)" },
] as const;

export const command: Command = {
  name: 'history',
  summary: 'Show the history of an image',
  usage: 'tsbuild history [OPTIONS] IMAGE',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length !== 1) throw usageError('history needs exactly one IMAGE');
    const format = flagString(args, 'format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw usageError(`--format must be 'table' or 'json', not '${format}'`);
    const img = await withStore(ctx, (s) => s.resolve(args.positionals[0] as string));
    const rows = historyRows(img);
    const noTrunc = flagBool(args, 'no-trunc');
    if (format === 'json') {
      for (const r of rows) ctx.stdout.write(JSON.stringify({ ID: r.id, CreatedAt: r.created ?? '', CreatedBy: r.createdBy, Size: r.size, Comment: r.comment }) + '\n');
      return 0;
    }
    const by = (s: string) => (noTrunc || s.length <= 45 ? s : `${s.slice(0, 44)}…`);
    ctx.stdout.write(
      table(
        ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
        rows.map((r) => [r.id === '<missing>' || noTrunc ? r.id : shortId(r.id), humanAge(r.created), by(r.createdBy), humanSize(r.size), r.comment]),
      ),
    );
    return 0;
  },
};
