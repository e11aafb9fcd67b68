// tsbuild port CONTAINER [PORT[/PROTO]]
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { findContainer } from '../../runtime/lifecycle/lookup.js';

export const command: Command = {
  name: 'port',
  summary: "List a container's published ports",
  usage: 'tsbuild port CONTAINER [PRIVATE_PORT[/PROTO]]',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    const [ref, want] = args.positionals;
    if (ref === undefined || args.positionals.length > 2) throw usageError('port needs a CONTAINER and at most one PORT');
    const v = await findContainer(ctx.root, ref);
    const ports = v.running ? (v.record?.network?.ports ?? []) : [];
    const [wp, wproto] = want?.split('/') ?? [];
    const hits = ports.filter((p) => want === undefined || (String(p.containerPort) === wp && (wproto === undefined || p.protocol === wproto)));
    if (want !== undefined && hits.length === 0) throw new TsbuildError('runtime', 'NO_SUCH_PORT', `no public port '${want}' published for ${ref}`);
    for (const p of hits) ctx.stdout.write(want === undefined ? `${p.containerPort}/${p.protocol} -> ${p.hostIp}:${p.hostPort}\n` : `${p.hostIp}:${p.hostPort}\n`);
    return 0;
  },
};
