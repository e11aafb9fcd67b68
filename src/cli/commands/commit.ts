// tsbuild commit [-c INSTRUCTION] [-m MSG] [-a AUTHOR] CONTAINER [REPOSITORY[:TAG]]
import { flagList, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { commitContainer } from '../../runtime/lifecycle/versioning.js';

const flags = [
  { name: 'change', short: 'c', kind: 'list', value: 'INSTR', description: 'apply a Dockerfile instruction (CMD, ENV, …) to the image' },
  { name: 'message', short: 'm', kind: 'string', value: 'TEXT', description: 'a comment for the history entry' },
  { name: 'author', short: 'a', kind: 'string', value: 'NAME', description: 'the author' },
] as const;

export const command: Command = {
  name: 'commit',
  summary: "Create a new image from a container's changes",
  usage: 'tsbuild commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    const [ref, tag] = args.positionals;
    if (ref === undefined || args.positionals.length > 2) throw usageError('commit needs a CONTAINER and at most one REPOSITORY[:TAG]');
    const v = await findContainer(ctx.root, ref);
    const message = flagString(args, 'message');
    const author = flagString(args, 'author');
    const id = await commitContainer(ctx.root, v, { changes: flagList(args, 'change'), ...(message ? { message } : {}), ...(author ? { author } : {}), ...(tag ? { tag } : {}) });
    ctx.stdout.write(`${id}\n`);
    return 0;
  },
};
