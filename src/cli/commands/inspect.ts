import { flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { inspectImage, type InspectImage } from '../../image/inspect.js';
import { withStore } from './with-store.js';
import { inspectContainerRef } from '../../runtime/lifecycle/inspect-ref.js';

const flags = [{ name: 'format', short: 'f', kind: 'string', value: 'json', description: "only 'json' (the default)" }] as const;

export const command: Command = {
  name: 'inspect',
  summary: 'Show low-level information on images, as JSON',
  usage: 'tsbuild inspect IMAGE [IMAGE...]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    const format = flagString(args, 'format') ?? 'json';
    if (format !== 'json') throw usageError(`--format must be 'json', not '${format}'`);
    if (args.positionals.length === 0) throw usageError('inspect needs at least one IMAGE');
    const out: (InspectImage | Record<string, unknown>)[] = [];
    const failures: string[] = [];
    await withStore(ctx, async (store) => {
      for (const ref of args.positionals) {
        try {
          const container = await inspectContainerRef(ctx.root, ref);
          if (container) {
            out.push(container);
            continue;
          }
          const img = await store.resolve(ref);
          const { repoDigestsOf } = await import('../../image/registry/repo-digests.js');
          out.push(inspectImage(img, await repoDigestsOf(store, img.manifestDigest)));
        } catch (err) {
          if (!(err instanceof TsbuildError)) throw err;
          failures.push(err.message);
        }
      }
    });
    ctx.stdout.write(JSON.stringify(out, null, 4) + '\n');
    if (failures.length > 0) throw new TsbuildError('image', 'IMAGE_NOT_FOUND', failures.join('; '));
    return 0;
  },
};
