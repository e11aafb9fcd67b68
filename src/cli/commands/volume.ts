// tsbuild volume ls [-q] | rm NAME… | create [NAME]
import { flagBool, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { createVolume, listVolumes, removeVolume, volumeUsers } from '../../runtime/lifecycle/volumes.js';
import path from 'node:path';

const flags = [{ name: 'quiet', short: 'q', kind: 'bool', description: 'ls: only the names' }] as const;

export const command: Command = {
  name: 'volume',
  summary: 'Manage volumes (ls, rm, create)',
  usage: 'tsbuild volume ls [-q]\n       tsbuild volume rm NAME [NAME…]\n       tsbuild volume create [NAME]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    const [sub, ...rest] = args.positionals;
    if (sub === 'ls' || sub === 'list') {
      const vols = listVolumes(ctx.root);
      if (flagBool(args, 'quiet')) ctx.stdout.write(vols.map((v) => `${v.name}\n`).join(''));
      else ctx.stdout.write(['DRIVER    VOLUME NAME', ...vols.map((v) => `local     ${v.name}`)].join('\n') + '\n');
      return 0;
    }
    if (sub === 'rm' || sub === 'remove') {
      if (rest.length === 0) throw usageError('volume rm needs at least one NAME');
      const usersOf = await volumeUsers(ctx.root);
      for (const n of rest) {
        const users = usersOf(n);
        if (users.length > 0) throw new TsbuildError('usage', 'VOLUME_IN_USE', `volume ${n} is in use by container ${users.map((u) => u.slice(0, 12)).join(', ')} (remove the container first)`);
        removeVolume(ctx.root, n);
        ctx.stdout.write(`${n}\n`);
      }
      return 0;
    }
    if (sub === 'create') {
      if (rest.length > 1) throw usageError('volume create takes at most one NAME');
      ctx.stdout.write(`${path.basename(path.dirname(createVolume(ctx.root, rest[0])))}\n`);
      return 0;
    }
    throw usageError('volume needs a subcommand: ls, rm or create');
  },
};
