import { createReadStream } from 'node:fs';
import path from 'node:path';
import { flagBool, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { loadArchive } from '../../image/archive-load.js';
import { familiarOf } from '../../image/display.js';
import { withStore } from './with-store.js';

const flags = [
  { name: 'input', short: 'i', kind: 'string', value: 'FILE', description: 'read from FILE instead of stdin' },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'print nothing' },
] as const;

export const command: Command = {
  name: 'load',
  summary: 'Load images from a tar archive (docker save, podman save docker-archive/oci-archive, tsbuild save; gzip or not)',
  usage: 'tsbuild load [-i FILE]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length > 0) throw usageError('load takes no arguments (use -i FILE)');
    const input = flagString(args, 'input');
    let source: AsyncIterable<Uint8Array>;
    if (input === undefined || input === '-') {
      if (ctx.stdin.isTTY) throw usageError('refusing to read an archive from a terminal: use -i FILE or redirect stdin');
      source = ctx.stdin as AsyncIterable<Uint8Array>;
    } else {
      const s = createReadStream(path.resolve(ctx.cwd, input));
      await new Promise<void>((resolve, reject) => {
        s.once('open', () => resolve());
        s.once('error', (err) => reject(new TsbuildError('usage', 'LOAD_SOURCE', `cannot read ${input}: ${err.message}`, { cause: err })));
      });
      source = s;
    }
    const loaded = await withStore(ctx, (store) => loadArchive(store, source, input ?? 'stdin'));
    if (!flagBool(args, 'quiet')) {
      for (const img of loaded) {
        if (img.tags.length === 0) ctx.stdout.write(`Loaded image ID: ${img.id}\n`);
        for (const t of img.tags) ctx.stdout.write(`Loaded image: ${familiarOf(t)}\n`);
      }
    }
    return 0;
  },
};
