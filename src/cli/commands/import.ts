import { createReadStream } from 'node:fs';
import path from 'node:path';
import { flagList, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { importRootfs } from '../../image/import.js';
import { normalizeTag } from '../../image/refs.js';
import { withStore } from './with-store.js';

const flags = [
  { name: 'message', short: 'm', kind: 'string', value: 'TEXT', description: 'a comment for the image history' },
  { name: 'change', short: 'c', kind: 'list', value: 'INSTR', description: "apply a Dockerfile instruction to the image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL)" },
] as const;

export const command: Command = {
  name: 'import',
  summary: 'Create an image from a root file system tarball (plain, gzip or zstd)',
  usage: 'tsbuild import [OPTIONS] FILE|- [REPOSITORY[:TAG]]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    const [file, ref, ...extra] = args.positionals;
    if (file === undefined) throw usageError('import needs a FILE (or - for stdin)');
    if (extra.length > 0) throw usageError(`import takes FILE and at most one REFERENCE, got also: ${extra.join(' ')}`);
    if (ref !== undefined) normalizeTag(ref);
    if (file === '-' && ctx.stdin.isTTY) throw usageError('refusing to read a tarball from a terminal: give a FILE or redirect stdin');
    const source = file === '-' ? ctx.stdin : createReadStream(path.resolve(ctx.cwd, file));
    if (file !== '-') {
      await new Promise<void>((resolve, reject) => {
        (source as ReturnType<typeof createReadStream>).once('open', () => resolve());
        (source as ReturnType<typeof createReadStream>).once('error', (err) => reject(new TsbuildError('usage', 'IMPORT_SOURCE', `cannot read ${file}: ${err.message}`, { cause: err })));
      });
    }
    const img = await withStore(ctx, (store) =>
      importRootfs(store, source as AsyncIterable<Uint8Array>, { changes: flagList(args, 'change'), tags: ref ? [ref] : [], env: ctx.env, sourceName: file, message: flagString(args, 'message') }),
    );
    ctx.stdout.write(`${img.id}\n`);
    return 0;
  },
};
