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
  summary: 'Manage the store and host state: check (verify every image), df (disk usage), reset (remove the network setup and the shared cgroup skeleton)',
  usage: 'tsbuild system check | df | reset',
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
    if (sub === 'reset') {
      // host-wide network state (bridge, nft table, forwarding); refused while containers use it
      const { resetNetwork } = await import('../../runtime/network/reset.js');
      const r = await resetNetwork();
      ctx.stdout.write(r.removed.length === 0 ? 'nothing to reset\n' : r.removed.map((x) => `removed ${x}\n`).join(''));
      return 0;
    }
    throw usageError(sub === undefined ? 'system needs a subcommand: check, df or reset' : `unknown system subcommand: ${sub} (want check, df or reset)`);
  },
};
