import { flagBool, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { familiarOf } from '../../image/display.js';
import { pruneStore } from '../../image/prune.js';
import { formatRef, normalizeRef, tryParseRef } from '../../image/refs.js';
import { withStore } from './with-store.js';

const flags = [
  { name: 'force', short: 'f', kind: 'bool', description: 'remove the image even when it has several tags' },
  { name: 'no-prune', kind: 'bool', description: 'keep the blobs (collect them later with prune)' },
] as const;

export const command: Command = {
  name: 'rmi',
  summary: 'Remove one or more images',
  usage: 'tsbuild rmi [OPTIONS] IMAGE [IMAGE...]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length === 0) throw usageError('rmi needs at least one IMAGE');
    const force = flagBool(args, 'force');
    const failures: string[] = [];
    await withStore(ctx, async (store) => {
      let removedAny = false;
      for (const input of args.positionals) {
        try {
          const img = await store.resolve(input);
          const ref = tryParseRef(input);
          const full = ref && ref.digest === undefined ? formatRef(normalizeRef(input)) : undefined;
          if (full !== undefined && img.tags.includes(full)) {
            const r = await store.untag(full);
            ctx.stdout.write(`Untagged: ${familiarOf(full)}\n`);
            if (r?.deleted) {
              ctx.stdout.write(`Deleted: ${img.id}\n`);
              removedAny = true;
            }
            continue;
          }
          if (img.tags.length > 1 && !force) {
            throw new TsbuildError('image', 'IMAGE_IN_USE', `unable to delete ${input}: the image is tagged as ${img.tags.map(familiarOf).join(', ')} (use -f or remove the tags)`);
          }
          const tags = await store.removeImage(img.manifestDigest);
          for (const t of tags) ctx.stdout.write(`Untagged: ${familiarOf(t)}\n`);
          ctx.stdout.write(`Deleted: ${img.id}\n`);
          removedAny = true;
        } catch (err) {
          if (!(err instanceof TsbuildError)) throw err;
          failures.push(err.message);
        }
      }
      if (removedAny && !flagBool(args, 'no-prune')) await pruneStore(store, { untaggedImages: false, layers: true });
    });
    if (failures.length > 0) {
      throw new TsbuildError('image', 'RMI_FAILED', failures.length === 1 ? (failures[0] as string) : `${failures.length} images could not be removed`, {
        details: failures.length > 1 ? failures : [],
      });
    }
    return 0;
  },
};
