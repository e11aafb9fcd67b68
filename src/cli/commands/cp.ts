// tsbuild cp CONTAINER:SRC HOSTDST | HOSTSRC CONTAINER:DST
import path from 'node:path';
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { copyFromContainer, copyToContainer } from '../../runtime/lifecycle/copy.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';

/** "name:/path" → [name, /path]; a host path has no ':' before its first '/' */
function splitRef(arg: string): [string, string] | undefined {
  const i = arg.indexOf(':');
  if (i <= 0 || arg.slice(0, i).includes('/')) return undefined;
  return [arg.slice(0, i), arg.slice(i + 1) || '/'];
}

export const command: Command = {
  name: 'cp',
  summary: 'Copy files between a container and the host',
  usage: 'tsbuild cp CONTAINER:SRC_PATH DEST_PATH\n       tsbuild cp SRC_PATH CONTAINER:DEST_PATH',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    const [a, b] = args.positionals;
    if (a === undefined || b === undefined || args.positionals.length !== 2) throw usageError('cp needs a SOURCE and a DESTINATION');
    const from = splitRef(a);
    const to = splitRef(b);
    if (!!from === !!to) throw usageError('cp copies between a container and the host: exactly one of the paths must be CONTAINER:PATH');
    if (from) await copyFromContainer(await findContainer(ctx.root, from[0]), from[1], path.resolve(ctx.cwd, b));
    else if (to) await copyToContainer(await findContainer(ctx.root, to[0]), path.resolve(ctx.cwd, a), to[1]);
    return 0;
  },
};
