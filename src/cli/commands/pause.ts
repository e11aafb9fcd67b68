// tsbuild pause CONTAINER… — freezes every process of the container
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { pauseContainer } from '../../runtime/lifecycle/resources.js';

export const command: Command = {
  name: 'pause',
  summary: 'Pause all processes within containers',
  usage: 'tsbuild pause CONTAINER [CONTAINER…]',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    if (args.positionals.length === 0) throw usageError('pause needs at least one CONTAINER');
    for (const ref of args.positionals) {
      await pauseContainer(await findContainer(ctx.root, ref));
      ctx.stdout.write(`${ref}\n`);
    }
    return 0;
  },
};
