// tsbuild diff CONTAINER — A/C/D lines from the container's upper dir
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { containerDiff } from '../../runtime/lifecycle/versioning.js';

export const command: Command = {
  name: 'diff',
  summary: "Inspect changes to files on a container's filesystem",
  usage: 'tsbuild diff CONTAINER',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    if (args.positionals.length !== 1) throw usageError('diff needs exactly one CONTAINER');
    const v = await findContainer(ctx.root, args.positionals[0] as string);
    ctx.stdout.write(containerDiff(v).map((c) => `${c.kind} ${c.path}\n`).join(''));
    return 0;
  },
};
