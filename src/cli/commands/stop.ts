// tsbuild stop [-t N] CONTAINER… — the image's STOPSIGNAL, SIGKILL after N s
import { flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { stopContainer } from '../../runtime/lifecycle/signal.js';

const flags = [{ name: 'time', short: 't', kind: 'string', value: 'N', description: 'seconds to wait before SIGKILL (default 10)' }] as const;

export const command: Command = {
  name: 'stop',
  summary: 'Stop running containers',
  usage: 'tsbuild stop [-t N] CONTAINER [CONTAINER…]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length === 0) throw usageError('stop needs at least one CONTAINER');
    const t = flagString(args, 'time') ?? '10';
    if (!/^\d+$/.test(t)) throw usageError(`-t must be a number of seconds, not '${t}'`);
    const failures: string[] = [];
    for (const ref of args.positionals) {
      try {
        await stopContainer(await findContainer(ctx.root, ref), Number(t));
        ctx.stdout.write(`${ref}\n`);
      } catch (err) {
        if (!(err instanceof TsbuildError)) throw err;
        failures.push(err.message);
      }
    }
    if (failures.length > 0) throw new TsbuildError('runtime', 'STOP_FAILED', failures.join('; '));
    return 0;
  },
};
