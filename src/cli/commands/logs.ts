// tsbuild logs [-f] [--tail N] [-t] CONTAINER
import path from 'node:path';
import { flagBool, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { formatEntry, readLogFile, tail } from '../../runtime/lifecycle/log-file.js';
import { followLog } from '../../runtime/lifecycle/log-follow.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { LOG_FILE } from '../../runtime/lifecycle/monitor.js';

const flags = [
  { name: 'follow', short: 'f', kind: 'bool', description: 'follow the output until the container ends' },
  { name: 'tail', short: 'n', kind: 'string', value: 'N', description: "only the last N lines ('all' by default)" },
  { name: 'timestamps', short: 't', kind: 'bool', description: 'prefix each line with its time' },
] as const;

export const command: Command = {
  name: 'logs',
  summary: "Show a container's output",
  usage: 'tsbuild logs [OPTIONS] CONTAINER',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length !== 1) throw usageError('logs needs exactly one CONTAINER');
    const tailText = flagString(args, 'tail') ?? 'all';
    if (tailText !== 'all' && !/^\d+$/.test(tailText)) throw usageError(`--tail must be a number or 'all', not '${tailText}'`);
    const n = tailText === 'all' ? undefined : Number(tailText);
    const ts = flagBool(args, 'timestamps');
    const v = await findContainer(ctx.root, args.positionals[0] as string);
    const file = path.join(v.dir, LOG_FILE);
    const write = (stream: string, text: string) => (stream === 'stderr' ? ctx.stderr : ctx.stdout).write(text);
    const from = readLogFile(file);
    for (const e of tail(from.entries, n)) write(e.stream, formatEntry(e, ts));
    if (!flagBool(args, 'follow')) return 0;
    await followLog(ctx.root, v.id, file, from, (e) => write(e.stream, formatEntry(e, ts)));
    return 0;
  },
};
