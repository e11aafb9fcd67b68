import { flagBool, flagList, flagString, parseArgs, type FlagSpec } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { usageError } from '../../errors.js';

export const flags: FlagSpec[] = [
  { name: 'platform', kind: 'string', value: 'OS/ARCH', description: 'pick this platform from a multi-platform image (default: the host, linux/amd64 here)' },
  { name: 'tls-verify', kind: 'bool', description: 'false: do not check the TLS certificate (plain HTTP when the registry has no TLS); true: check it even for localhost and 127.0.0.1' },
  { name: 'insecure-registry', kind: 'list', value: 'HOST[:PORT]', description: 'do not check this registry\'s TLS certificate (plain HTTP when it has no TLS)' },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'print only the image ID' },
];

/** Renders transfer events as plain lines on stderr. */
export function progressPrinter(ctx: CommandContext, quiet: boolean): (e: import('../../image/registry/events.js').TransferEvent) => void {
  return (e) => {
    if (quiet) return;
    const short = (d: string): string => d.slice(7, 19);
    switch (e.type) {
      case 'resolved':
        ctx.stderr.write(`${e.reference}: ${e.manifestDigest}${e.platform ? ` (${e.platform})` : ''}\n`);
        break;
      case 'blob':
        if (e.status === 'exists') ctx.stderr.write(`${short(e.digest)}: already exists\n`);
        else if (e.status === 'mounted') ctx.stderr.write(`${short(e.digest)}: mounted from another repository\n`);
        else if (e.status === 'done') ctx.stderr.write(`${short(e.digest)}: done (${(e.size / 1048576).toFixed(1)} MB${e.how && e.how !== 'download' ? `, ${e.how}` : ''})\n`);
        break;
      case 'warning':
        ctx.stderr.write(`warning: ${e.message}\n`);
        break;
      default:
        break;
    }
  };
}

export function insecureOptions(args: ReturnType<typeof parseArgs>): { tlsVerify?: boolean; insecureRegistries: string[] } {
  const o: { tlsVerify?: boolean; insecureRegistries: string[] } = { insecureRegistries: flagList(args, 'insecure-registry') };
  if (args.flags.has('tls-verify')) o.tlsVerify = flagBool(args, 'tls-verify');
  return o;
}

export const command: Command = {
  name: 'pull',
  summary: 'Pull an image from a registry',
  usage: 'tsbuild pull [OPTIONS] NAME[:TAG|@DIGEST]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length !== 1) throw usageError('pull needs exactly one image reference');
    const [{ ImageStore }, { parseRef, withDefaultTag }, { pull }, { parsePlatform }, { loadCredentials }] = await Promise.all([
      import('../../image/store.js'),
      import('../../image/refs.js'),
      import('../../image/registry/pull.js'),
      import('../../image/registry/platform.js'),
      import('../../image/registry/credentials.js'),
    ]);
    const ref = withDefaultTag(parseRef(args.positionals[0] as string));
    const platformFlag = flagString(args, 'platform');
    const quiet = flagBool(args, 'quiet');
    const store = await ImageStore.open(ctx.root);
    try {
      const r = await pull(store, ref, {
        ...insecureOptions(args),
        credentials: await loadCredentials(ctx.env, ref.domain),
        ...(platformFlag ? { platform: parsePlatform(platformFlag), platformExplicit: true } : {}),
        onEvent: progressPrinter(ctx, quiet),
      });
      if (!quiet) {
        ctx.stderr.write(`Digest: ${r.repoDigest}\n`);
        ctx.stderr.write(r.layersDownloaded > 0 ? `Downloaded ${r.layersDownloaded} layer(s)${r.tag ? ` for ${r.tag}` : ''}\n` : `Image is up to date${r.tag ? ` for ${r.tag}` : ''}\n`);
      }
      ctx.stdout.write(`${r.id}\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
};
