// tsbuild rm [-f] [-v] CONTAINER…
import { flagBool, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { findContainer, reconcile } from '../../runtime/lifecycle/lookup.js';
import { removeContainer } from '../../runtime/lifecycle/signal.js';
import { removeAnonymousVolumes } from '../../runtime/lifecycle/volumes.js';

const flags = [
  { name: 'force', short: 'f', kind: 'bool', description: 'kill a running container first' },
  { name: 'volumes', short: 'v', kind: 'bool', description: 'remove its anonymous volumes too (named volumes stay)' },
] as const;

export const command: Command = {
  name: 'rm',
  summary: 'Remove containers',
  usage: 'tsbuild rm [-f] [-v] CONTAINER [CONTAINER…]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length === 0) throw usageError('rm needs at least one CONTAINER');
    const failures: TsbuildError[] = [];
    for (const ref of args.positionals) {
      try {
        const v = await findContainer(ctx.root, ref);
        await removeContainer(ctx.root, v, flagBool(args, 'force'));
        if (flagBool(args, 'volumes')) removeAnonymousVolumes(ctx.root, v.record?.anonymousVolumes ?? []);
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
