import { flagBool, flagString, parseArgs, type FlagSpec } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { insecureOptions, progressPrinter } from './pull.js';

const flags: FlagSpec[] = [
  { name: 'tls-verify', kind: 'bool', description: 'false: do not check the TLS certificate (plain HTTP when the registry has no TLS); true: check it even for localhost and 127.0.0.1' },
  { name: 'insecure-registry', kind: 'list', value: 'HOST[:PORT]', description: 'do not check this registry\'s TLS certificate (plain HTTP when it has no TLS)' },
  { name: 'digestfile', kind: 'string', value: 'FILE', description: 'write the pushed manifest digest to FILE' },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'print only the digest' },
];

export const command: Command = {
  name: 'push',
  summary: 'Push an image to a registry',
  usage: 'tsbuild push [OPTIONS] IMAGE [DESTINATION]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length < 1 || args.positionals.length > 2) throw usageError('push needs an image and optionally a destination reference');
    const [{ ImageStore }, { parseRef, withDefaultTag, formatRef }, { push }, { loadCredentials }] = await Promise.all([
      import('../../image/store.js'),
      import('../../image/refs.js'),
      import('../../image/registry/push.js'),
      import('../../image/registry/credentials.js'),
    ]);
    const src = args.positionals[0] as string;
    const dest = withDefaultTag(parseRef(args.positionals[1] ?? src));
    const quiet = flagBool(args, 'quiet');
    const store = await ImageStore.open(ctx.root);
    try {
      const image = await store.resolve(src);
      const r = await push(store, image, dest, {
        ...insecureOptions(args),
        credentials: await loadCredentials(ctx.env, dest.domain),
        onEvent: progressPrinter(ctx, quiet),
      });
      const digestFile = flagString(args, 'digestfile');
      if (digestFile) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(digestFile, r.manifestDigest);
      }
      if (!quiet) ctx.stderr.write(`Pushed ${formatRef(dest)}@${r.manifestDigest}\n`);
      ctx.stdout.write(`${r.manifestDigest}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
