// tsbuild wait CONTAINER… — blocks until each exits; prints its exit code
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { findContainer, reconcile } from '../../runtime/lifecycle/lookup.js';
import { waitExit } from '../../runtime/lifecycle/signal.js';

export const command: Command = {
  name: 'wait',
  summary: 'Wait for containers to stop and print their exit codes',
  usage: 'tsbuild wait CONTAINER [CONTAINER…]',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    if (args.positionals.length === 0) throw usageError('wait needs at least one CONTAINER');
    for (const ref of args.positionals) {
      const v = await findContainer(ctx.root, ref);
      const code = await waitExit(v, () => reconcile(ctx.root));
      ctx.stdout.write(`${code ?? 0}\n`);
    }
    return 0;
  },
};
