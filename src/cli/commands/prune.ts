import { flagBool, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { humanSize } from '../../image/display.js';
import { pruneStore } from '../../image/prune.js';
import { withStore } from './with-store.js';

const flags = [{ name: 'keep-untagged', kind: 'bool', description: 'keep images without tags' }] as const;

export const command: Command = {
  name: 'prune',
  summary: 'Remove untagged images, unreferenced blobs and layers, and leftovers',
  usage: 'tsbuild prune [OPTIONS]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length > 0) throw usageError('prune takes no arguments');
    const r = await withStore(ctx, (s) => pruneStore(s, { untaggedImages: !flagBool(args, 'keep-untagged') }));
    for (const d of r.removedImages) ctx.stdout.write(`Deleted image: ${d}\n`);
    for (const d of r.removedBlobs) ctx.stdout.write(`Deleted blob: ${d}\n`);
    for (const d of r.removedLayers) ctx.stdout.write(`Deleted unpacked layer: ${d}\n`);
    for (const d of r.removedTemp) ctx.stdout.write(`Deleted leftover: ${d}\n`);
    for (const n of r.notes) ctx.stderr.write(`note: ${n}\n`);
    ctx.stdout.write(`Total reclaimed space: ${humanSize(r.reclaimedBytes)}\n`);
    return 0;
  },
};
