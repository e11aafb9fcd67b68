// tsbuild rename CONTAINER NEW_NAME
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { renameContainer } from '../../runtime/lifecycle/rename.js';

export const command: Command = {
  name: 'rename',
  summary: 'Rename a container',
  usage: 'tsbuild rename CONTAINER NEW_NAME',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    const [ref, name] = args.positionals;
    if (ref === undefined || name === undefined || args.positionals.length !== 2) throw usageError('rename needs a CONTAINER and a NEW_NAME');
    await renameContainer(ctx.root, await findContainer(ctx.root, ref), name);
    return 0;
  },
};
