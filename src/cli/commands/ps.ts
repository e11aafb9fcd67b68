// tsbuild ps [-a] [-q] [--no-trunc] [--format json|table]
import { flagBool, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { listContainers } from '../../runtime/lifecycle/lookup.js';
import { dockerStatus, psRow, psTable } from '../../runtime/lifecycle/present.js';

const flags = [
  { name: 'all', short: 'a', kind: 'bool', description: 'show all containers (default: running ones)' },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'only the container IDs' },
  { name: 'no-trunc', kind: 'bool', description: 'do not truncate IDs and commands' },
  { name: 'format', kind: 'string', value: 'table|json', description: "'json': one JSON object per line" },
] as const;

export const command: Command = {
  name: 'ps',
  summary: 'List containers',
  usage: 'tsbuild ps [OPTIONS]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length > 0) throw usageError('ps takes no arguments');
    const format = flagString(args, 'format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw usageError(`--format must be 'table' or 'json', not '${format}'`);
    const all = flagBool(args, 'all');
    const full = flagBool(args, 'no-trunc');
    const now = Date.now();
    // as Docker's: a restarting container counts as running
    const views = (await listContainers(ctx.root)).filter((v) => all || v.running || dockerStatus(v) === 'restarting');
    const rows = views.map((v) => psRow(v, now, full));
    if (flagBool(args, 'quiet')) ctx.stdout.write(rows.map((r) => `${r.ID}\n`).join(''));
    else if (format === 'json') ctx.stdout.write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    else ctx.stdout.write(psTable(rows));
    return 0;
  },
};
