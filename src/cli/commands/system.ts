import { readdir, lstat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { checkStore } from '../../image/check.js';
import { humanSize } from '../../image/display.js';
import { withStore } from './with-store.js';

async function du(p: string): Promise<number> {
  try {
    const st = await lstat(p);
    if (!st.isDirectory()) return st.size;
    let n = 0;
    for (const e of await readdir(p)) n += await du(path.join(p, e));
    return n;
  } catch {
    return 0;
  }
}

export const command: Command = {
  name: 'system',
  summary: 'Manage the store: check (verify every image), df (disk usage)',
  usage: 'tsbuild system check | df',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    const [sub, ...rest] = args.positionals;
    if (rest.length > 0) throw usageError(`system ${sub ?? ''} takes no arguments`);
    if (sub === 'check') {
      const r = await withStore(ctx, (s) => checkStore(s));
      if (r.problems.length > 0) {
        throw new TsbuildError('image', 'STORE_BROKEN', `the store at ${ctx.root} has ${r.problems.length} problem(s)`, {
          details: [...r.problems.map((p) => `  ${p}`), "  (run 'tsbuild prune' to collect leftovers; re-import or re-load broken images)"],
        });
      }
      ctx.stdout.write(`ok: ${r.images} image(s), ${r.blobsVerified} blob(s) verified in ${ctx.root}\n`);
      if (r.leftovers.length > 0) ctx.stdout.write(`note: ${r.leftovers.length} leftover(s) of interrupted writes; 'tsbuild prune' collects them\n`);
      return 0;
    }
    if (sub === 'df') {
      await withStore(ctx, async (s) => {
        const images = await s.list();
        ctx.stdout.write(`Images:          ${images.length}\n`);
        ctx.stdout.write(`Blobs:           ${humanSize(await du(s.blobsDir))}\n`);
        ctx.stdout.write(`Unpacked layers: ${humanSize(await du(s.layersRoot))}\n`);
        ctx.stdout.write(`Temporary:       ${humanSize(await du(s.tmpRoot))}\n`);
      });
      return 0;
    }
    throw usageError(sub === undefined ? 'system needs a subcommand: check or df' : `unknown system subcommand: ${sub} (want check or df)`);
  },
};
