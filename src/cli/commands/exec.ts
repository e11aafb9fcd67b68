// tsbuild exec [-i] [-d] [-e K=V] [-u UID[:GID]] [-w DIR] CONTAINER CMD…
import { flagBool, flagList, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { execIn } from '../../runtime/lifecycle/exec.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';

const flags = [
  { name: 'interactive', short: 'i', kind: 'bool', description: 'keep stdin open' },
  { name: 'tty', short: 't', kind: 'bool', description: 'allocate a pseudo-terminal (not supported yet)' },
  { name: 'detach', short: 'd', kind: 'bool', description: 'run the command in the background' },
  { name: 'env', short: 'e', kind: 'list', value: 'KEY=VALUE', description: 'set an environment variable' },
  { name: 'user', short: 'u', kind: 'string', value: 'UID[:GID]', description: 'run as this numeric user' },
  { name: 'workdir', short: 'w', kind: 'string', value: 'DIR', description: 'working directory inside the container' },
] as const;

export const command: Command = {
  name: 'exec',
  summary: 'Run a command in a running container',
  usage: 'tsbuild exec [OPTIONS] CONTAINER COMMAND [ARG…]',
  flags,
  stopAtPositional: true,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags, { stopAtPositional: true });
    const [ref, ...cmd] = args.positionals;
    if (ref === undefined || cmd.length === 0) throw usageError('exec needs a CONTAINER and a COMMAND');
    if (flagBool(args, 'tty')) throw usageError('exec -t is not supported yet (use -i)');
    const workdir = flagString(args, 'workdir');
    if (workdir !== undefined && !workdir.startsWith('/')) throw usageError(`-w ${workdir}: the working directory must be absolute`);
    const user = flagString(args, 'user');
    const v = await findContainer(ctx.root, ref);
    return execIn(
      v,
      { argv: cmd, env: flagList(args, 'env'), interactive: flagBool(args, 'interactive'), ...(user !== undefined ? { user } : {}), ...(workdir !== undefined ? { workdir } : {}) },
      ctx,
      flagBool(args, 'detach'),
    );
  },
};
