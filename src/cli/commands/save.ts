import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { fsyncDir, tempName } from '../../image/atomic.js';
import { selectImages, writeArchive } from '../../image/archive-save.js';
import { withStore } from './with-store.js';

const flags = [{ name: 'output', short: 'o', kind: 'string', value: 'FILE', description: 'write to FILE instead of stdout' }] as const;

export const command: Command = {
  name: 'save',
  summary: 'Save images to a tar archive (an OCI layout and a Docker archive at once)',
  usage: 'tsbuild save [-o FILE] IMAGE [IMAGE...]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length === 0) throw usageError('save needs at least one IMAGE');
    const output = flagString(args, 'output');
    if ((output === undefined || output === '-') && ctx.stdout.isTTY) throw usageError('refusing to write an archive to a terminal: use -o FILE or redirect stdout');
    await withStore(ctx, async (store) => {
      const selected = await selectImages(store, args.positionals);
      if (output === undefined || output === '-') {
        await writeArchive(store, selected, ctx.stdout as NodeJS.WritableStream as import('node:stream').Writable);
        return;
      }
      const target = path.resolve(ctx.cwd, output);
      const tmp = path.join(path.dirname(target), tempName(path.basename(target)));
      const out = createWriteStream(tmp, { flags: 'wx' });
      try {
        await once(out, 'open');
        await writeArchive(store, selected, out);
        out.end();
        await once(out, 'finish');
        await new Promise<void>((res, rej) => out.close((e) => (e ? rej(e) : res())));
        await rename(tmp, target);
        await fsyncDir(path.dirname(target));
      } catch (err) {
        out.destroy();
        await unlink(tmp).catch(() => undefined);
        if (err instanceof TsbuildError) throw err;
        throw new TsbuildError('image', 'SAVE_FAILED', `cannot write ${output}: ${(err as Error).message}`, { cause: err });
      }
    });
    return 0;
  },
};
