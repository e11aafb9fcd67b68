// tsbuild export -o FILE CONTAINER — the container's file system as a tar
import path from 'node:path';
import { flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';
import { exportContainer } from '../../runtime/lifecycle/versioning.js';

const flags = [{ name: 'output', short: 'o', kind: 'string', value: 'FILE', description: 'write the tar to FILE (required)' }] as const;

export const command: Command = {
  name: 'export',
  summary: "Export a container's filesystem as a tar archive",
  usage: 'tsbuild export -o FILE CONTAINER',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    const out = flagString(args, 'output');
    if (!out) throw usageError('export needs -o FILE');
    if (args.positionals.length !== 1) throw usageError('export needs exactly one CONTAINER');
    await exportContainer(await findContainer(ctx.root, args.positionals[0] as string), path.resolve(ctx.cwd, out));
    return 0;
  },
};
