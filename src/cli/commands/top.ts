// tsbuild top CONTAINER — the processes in the container's cgroup, from /proc
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { containerProcesses, topTable } from '../../runtime/lifecycle/resources.js';

export const command: Command = {
  name: 'top',
  summary: 'Display the running processes of a container',
  usage: 'tsbuild top CONTAINER',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    if (args.positionals.length !== 1) throw usageError('top needs exactly one CONTAINER');
    ctx.stdout.write(topTable(await containerProcesses(await findContainer(ctx.root, args.positionals[0] as string))));
    return 0;
  },
};
