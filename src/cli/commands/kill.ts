// tsbuild kill [-s SIGNAL] CONTAINER…
import { flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { signalContainer, signalName } from '../../runtime/lifecycle/signal.js';

const flags = [{ name: 'signal', short: 's', kind: 'string', value: 'SIG', description: 'the signal (default SIGKILL)' }] as const;

export const command: Command = {
  name: 'kill',
  summary: 'Send a signal to running containers',
  usage: 'tsbuild kill [-s SIGNAL] CONTAINER [CONTAINER…]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length === 0) throw usageError('kill needs at least one CONTAINER');
    const sig = signalName(flagString(args, 'signal') ?? 'SIGKILL');
    const failures: string[] = [];
    for (const ref of args.positionals) {
      try {
        await signalContainer(await findContainer(ctx.root, ref), sig);
        ctx.stdout.write(`${ref}\n`);
      } catch (err) {
        if (!(err instanceof TsbuildError)) throw err;
        failures.push(err.message);
      }
    }
    if (failures.length > 0) throw new TsbuildError('runtime', 'KILL_FAILED', failures.join('; '));
    return 0;
  },
};
