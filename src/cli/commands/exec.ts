// tsbuild exec [-i] [-t] [-d] [-e K=V] [-u USER[:GROUP]] [-w DIR] CONTAINER CMD…
import { flagBool, flagList, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { execUser } from '../../runtime/lifecycle/exec-user.js';
import { execIn, runningPid1 } from '../../runtime/lifecycle/exec.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';

const flags = [
  { name: 'interactive', short: 'i', kind: 'bool', description: 'keep stdin open' },
  { name: 'tty', short: 't', kind: 'bool', description: 'allocate a pseudo-terminal' },
  { name: 'detach', short: 'd', kind: 'bool', description: 'run the command in the background' },
  { name: 'env', short: 'e', kind: 'list', value: 'KEY=VALUE', description: 'set an environment variable' },
  { name: 'user', short: 'u', kind: 'string', value: 'USER[:GROUP]', description: "run as this user: a name or UID (and group), looked up in the container's /etc/passwd and /etc/group" },
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
    const workdir = flagString(args, 'workdir');
    if (workdir !== undefined && !workdir.startsWith('/')) throw usageError(`-w ${workdir}: the working directory must be absolute`);
    const user = flagString(args, 'user');
    const v = await findContainer(ctx.root, ref);
    const pid1 = runningPid1(v);
    const out = ctx.stdout as NodeJS.WritableStream & { rows?: number; columns?: number };
    const tty = flagBool(args, 'tty') ? { rows: out.rows || 24, cols: out.columns || 80 } : undefined;
    return execIn(
      v,
      {
        argv: cmd,
        env: flagList(args, 'env'),
        interactive: flagBool(args, 'interactive'),
        ...(user !== undefined ? { user: execUser(pid1, user) } : {}),
        ...(workdir !== undefined ? { workdir } : {}),
        ...(tty ? { tty } : {}),
      },
      ctx,
      flagBool(args, 'detach'),
    );
  },
};
