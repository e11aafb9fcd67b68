// tsbuild restart [-t N] CONTAINER… — stop (the stop signal, SIGKILL after N s), then start again detached
import { flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { restartContainer } from '../../runtime/lifecycle/restart.js';

const flags = [{ name: 'time', short: 't', kind: 'string', value: 'N', description: 'seconds to wait for the stop before SIGKILL (default 10)' }] as const;

export const command: Command = {
  name: 'restart',
  summary: 'Restart containers',
  usage: 'tsbuild restart [-t N] CONTAINER [CONTAINER…]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length === 0) throw usageError('restart needs at least one CONTAINER');
    const t = flagString(args, 'time') ?? '10';
    if (!/^\d+$/.test(t)) throw usageError(`-t must be a number of seconds, not '${t}'`);
    const failures: string[] = [];
    let status = 0;
    for (const ref of args.positionals) {
      try {
        const s = await restartContainer(ctx, await findContainer(ctx.root, ref), Number(t));
        if (s === 0) ctx.stdout.write(`${ref}\n`);
        else status = s;
      } catch (err) {
        if (!(err instanceof TsbuildError)) throw err;
        failures.push(err.message);
      }
    }
    if (failures.length > 0) throw new TsbuildError('runtime', 'RESTART_FAILED', failures.join('; '));
    return status;
  },
};
