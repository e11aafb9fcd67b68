import { flagBool, flagString, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { humanAge, humanSize, repoAndTag, shortId, table } from '../../image/display.js';
import { normalizeRef, refName } from '../../image/refs.js';
import { withStore } from './with-store.js';

const flags = [
  { name: 'quiet', short: 'q', kind: 'bool', description: 'only show image IDs' },
  { name: 'format', kind: 'string', value: 'FORMAT', description: "'table' (default) or 'json' (one JSON object per line)" },
  { name: 'no-trunc', kind: 'bool', description: "don't truncate IDs" },
] as const;

export const command: Command = {
  name: 'images',
  summary: 'List images',
  usage: 'tsbuild images [OPTIONS] [REPOSITORY[:TAG]]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    const format = flagString(args, 'format') ?? 'table';
    if (format !== 'table' && format !== 'json') throw usageError(`--format must be 'table' or 'json', not '${format}'`);
    const [filter, ...extra] = args.positionals;
    if (extra.length > 0) throw usageError('images takes at most one REPOSITORY[:TAG]');
    const want = filter !== undefined ? normalizeRef(filter) : undefined;
    const wantTag = filter !== undefined && /:[\w][\w.-]*$/.test(filter.split('/').at(-1) ?? '') ? want?.tag : undefined;
    const list = await withStore(ctx, (s) => s.list());
    const noTrunc = flagBool(args, 'no-trunc');
    const rows: { repo: string; tag: string; id: string; digest: string; created?: string; size: number }[] = [];
    const broken = list.filter((i) => i.error !== undefined);
    if (broken.length > 0) ctx.stderr.write(`tsbuild: ${broken.length} image(s) cannot be read and are not shown (${broken[0]?.error}); run 'tsbuild system check'\n`);
    for (const img of list) {
      if (img.error !== undefined) continue;
      const names = img.tags.length > 0 ? img.tags : [undefined];
      for (const t of names) {
        if (want) {
          if (t === undefined) continue;
          const r = normalizeRef(t);
          if (refName(r) !== refName(want) || (wantTag !== undefined && r.tag !== wantTag)) continue;
        }
        const [repo, tag] = t === undefined ? ['<none>', '<none>'] : repoAndTag(t);
        rows.push({ repo, tag, id: img.id, digest: img.manifestDigest, ...(img.created ? { created: img.created } : {}), size: img.size });
      }
    }
    rows.sort((a, b) => (a.repo + ':' + a.tag).localeCompare(b.repo + ':' + b.tag));
    const idOf = (id: string) => (noTrunc ? id : shortId(id));
    if (flagBool(args, 'quiet')) {
      ctx.stdout.write([...new Set(rows.map((r) => idOf(r.id)))].map((i) => `${i}\n`).join(''));
      return 0;
    }
    if (format === 'json') {
      for (const r of rows) {
        ctx.stdout.write(
          JSON.stringify({ Repository: r.repo, Tag: r.tag, ID: idOf(r.id), Id: r.id, Digest: r.digest, CreatedAt: r.created ?? '', CreatedSince: humanAge(r.created), Size: humanSize(r.size), VirtualSize: r.size }) + '\n',
        );
      }
      return 0;
    }
    ctx.stdout.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows.map((r) => [r.repo, r.tag, idOf(r.id), humanAge(r.created), humanSize(r.size)])));
    return 0;
  },
};
