// tsbuild unpause CONTAINER… — thaws the container
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { unpauseContainer } from '../../runtime/lifecycle/resources.js';

export const command: Command = {
  name: 'unpause',
  summary: 'Unpause all processes within containers',
  usage: 'tsbuild unpause CONTAINER [CONTAINER…]',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    if (args.positionals.length === 0) throw usageError('unpause needs at least one CONTAINER');
    for (const ref of args.positionals) {
      await unpauseContainer(await findContainer(ctx.root, ref));
      ctx.stdout.write(`${ref}\n`);
    }
    return 0;
  },
};
