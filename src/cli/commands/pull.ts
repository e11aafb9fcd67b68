import { flagBool, flagList, flagString, parseArgs, type FlagSpec } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { usageError } from '../../errors.js';

export const flags: FlagSpec[] = [
  { name: 'platform', kind: 'string', value: 'OS/ARCH', description: 'pick this platform from a multi-platform image (default: the host, linux/amd64 here)' },
  { name: 'tls-verify', kind: 'bool', description: 'false: do not check the TLS certificate (plain HTTP when the registry has no TLS); true: check it even for localhost and 127.0.0.1' },
  { name: 'insecure-registry', kind: 'list', value: 'HOST[:PORT]', description: 'do not check this registry\'s TLS certificate (plain HTTP when it has no TLS)' },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'print only the image ID' },
];

/**
 * Renders transfer events on stderr, one line per blob step. Without a
 * terminal, progress is a line at each quarter of a blob (every 64 MB when
 * its size is not known yet); on a terminal, one status line of the blobs in
 * flight is redrawn in place under the step lines.
 */
export function progressPrinter(ctx: CommandContext, quiet: boolean): (e: import('../../image/registry/events.js').TransferEvent) => void {
  const tty = (ctx.stderr as { isTTY?: boolean }).isTTY === true;
  const active = new Map<string, { size: number; bytes: number; shown: number }>();
  let statusShown = false;
  let lastDraw = 0;
  const mb = (n: number): string => (n / 1048576).toFixed(1);
  const short = (d: string): string => d.slice(7, 19);
  const redraw = (): void => {
    if (!tty || active.size === 0) return;
    let bytes = 0;
    let size = 0;
    for (const b of active.values()) {
      bytes += b.bytes;
      size += b.size;
    }
    ctx.stderr.write(`\r\x1b[K${active.size} blob(s) in flight: ${mb(bytes)}${size > 0 ? ` / ${mb(size)}` : ''} MB`);
    statusShown = true;
    lastDraw = Date.now();
  };
  const line = (text: string): void => {
    if (statusShown) ctx.stderr.write('\r\x1b[K');
    statusShown = false;
    ctx.stderr.write(`${text}\n`);
    redraw();
  };
  return (e) => {
    if (quiet) return;
    switch (e.type) {
      case 'resolved':
        line(`${e.reference}: ${e.manifestDigest}${e.platform ? ` (${e.platform})` : ''}`);
        break;
      case 'blob':
        if (e.status === 'exists') line(`${short(e.digest)}: already exists`);
        else if (e.status === 'mounted') line(`${short(e.digest)}: mounted from another repository`);
        else if (e.status === 'started') {
          active.set(e.digest, { size: e.size, bytes: 0, shown: 0 });
          line(`${short(e.digest)}: ${e.how === 'download' ? 'downloading' : 'uploading'}${e.size > 0 ? ` (${mb(e.size)} MB)` : ''}`);
        } else {
          active.delete(e.digest);
          if (e.label) active.delete(e.label);
          line(`${short(e.digest)}: done (${mb(e.size)} MB${e.how && e.how !== 'download' ? `, ${e.how}` : ''})`);
        }
        break;
      case 'progress': {
        const b = active.get(e.digest);
        if (!b) break;
        b.bytes = e.bytes;
        if (e.size > 0) b.size = e.size;
        if (tty) {
          if (Date.now() - lastDraw >= 100) redraw();
        } else if (b.size > 0) {
          const quarter = Math.floor((4 * b.bytes) / b.size);
          if (quarter > b.shown && quarter < 4) {
            b.shown = quarter;
            line(`${short(e.digest)}: ${quarter * 25}% of ${mb(b.size)} MB`);
          }
        } else if (b.bytes - b.shown >= 64 * 1048576) {
          b.shown = b.bytes;
          line(`${short(e.digest)}: ${mb(b.bytes)} MB sent`);
        }
        break;
      }
      case 'warning':
        line(`warning: ${e.message}`);
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
