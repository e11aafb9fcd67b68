import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { normalizeTag } from '../../image/refs.js';
import { withStore } from './with-store.js';

export const command: Command = {
  name: 'tag',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  usage: 'tsbuild tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    if (args.positionals.length !== 2) throw usageError('tag needs exactly two arguments: SOURCE TARGET');
    const [src, dst] = args.positionals as [string, string];
    normalizeTag(dst);
    await withStore(ctx, async (store) => {
      const img = await store.resolve(src);
      await store.tag(dst, img.manifestDigest);
    });
    return 0;
  },
};
