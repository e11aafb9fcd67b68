// tsbuild __monitor --id ID --cwd DIR [--again] -- RUN-ARGS… — hidden: the
// per-container monitor that `run -d`, `start` and `restart` start
// (src/runtime/lifecycle/monitor.ts).
import { flagBool, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { runMonitor } from '../../runtime/lifecycle/monitor.js';
import { runContainer } from './run.js';

const flags = [
  { name: 'id', kind: 'string', value: 'ID', description: 'the container id' },
  { name: 'cwd', kind: 'string', value: 'DIR', description: 'the caller’s working directory' },
  { name: 'again', kind: 'bool', description: 'run an existing, stopped container again (start, restart)' },
] as const;

export const command: Command = {
  name: '__monitor',
  summary: '(internal) the monitor of a detached container',
  usage: 'tsbuild __monitor --id ID --cwd DIR [--again] -- RUN-ARGS…',
  flags,
  async run(ctx, argv) {
    const sep = argv.indexOf('--');
    if (sep === -1) throw usageError('__monitor needs -- RUN-ARGS');
    const args = parseArgs(argv.slice(0, sep), flags);
    const id = flagString(args, 'id');
    if (!id || !/^[0-9a-f]{64}$/.test(id)) throw usageError('__monitor needs --id');
    const cwd = flagString(args, 'cwd') ?? ctx.cwd;
    return runMonitor({ ...ctx, cwd }, id, argv.slice(sep + 1), runContainer, { again: flagBool(args, 'again') });
  },
};
