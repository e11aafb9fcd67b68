// tsbuild start CONTAINER… — runs stopped containers again, detached (a running one is left as it is)
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { startAgain } from '../../runtime/lifecycle/restart.js';

export const command: Command = {
  name: 'start',
  summary: 'Start stopped containers',
  usage: 'tsbuild start CONTAINER [CONTAINER…]',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    if (args.positionals.length === 0) throw usageError('start needs at least one CONTAINER');
    const failures: string[] = [];
    let status = 0;
    for (const ref of args.positionals) {
      try {
        const v = await findContainer(ctx.root, ref);
        const s = v.running ? 0 : await startAgain(ctx, v);
        if (s === 0) ctx.stdout.write(`${ref}\n`);
        else status = s;
      } catch (err) {
        if (!(err instanceof TsbuildError)) throw err;
        failures.push(err.message);
      }
    }
    if (failures.length > 0) throw new TsbuildError('runtime', 'START_FAILED', failures.join('; '));
    return status;
  },
};
