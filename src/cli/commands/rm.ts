// tsbuild rm [-f] CONTAINER…
import { flagBool, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { findContainer, reconcile } from '../../runtime/lifecycle/lookup.js';
import { removeContainer } from '../../runtime/lifecycle/signal.js';

const flags = [{ name: 'force', short: 'f', kind: 'bool', description: 'kill a running container first' }] as const;

export const command: Command = {
  name: 'rm',
  summary: 'Remove containers',
  usage: 'tsbuild rm [-f] CONTAINER [CONTAINER…]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length === 0) throw usageError('rm needs at least one CONTAINER');
    const failures: TsbuildError[] = [];
    for (const ref of args.positionals) {
      try {
        await removeContainer(ctx.root, await findContainer(ctx.root, ref), flagBool(args, 'force'));
        ctx.stdout.write(`${ref}\n`);
      } catch (err) {
        if (!(err instanceof TsbuildError)) throw err;
        failures.push(err);
      }
    }
    // what a killed container's monitor left (cgroup, netns) goes now too
    await reconcile(ctx.root);
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new TsbuildError('runtime', 'RM_FAILED', failures.map((f) => f.message).join('; '));
    return 0;
  },
};
