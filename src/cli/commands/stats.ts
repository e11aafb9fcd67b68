// tsbuild stats [--no-stream] [CONTAINER…] — CPU %, memory, pids from the cgroups
import { flagBool, parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { findContainer, listContainers, type ContainerView } from '../../runtime/lifecycle/lookup.js';
import { containerName } from '../../runtime/lifecycle/present.js';
import { bytesSize, cpuPercent, sampleStats, type StatsSample } from '../../runtime/lifecycle/resources.js';

const flags = [{ name: 'no-stream', kind: 'bool', description: 'print one sample and exit' }] as const;

function table(views: ContainerView[], a: StatsSample[], b: StatsSample[]): string {
  const rows = [['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'PIDS']];
  views.forEach((v, i) => {
    const s = (b[i] as StatsSample).stats;
    const mem = s.memoryUsage ?? 0;
    const limit = s.memoryLimit;
    rows.push([
      v.id.slice(0, 12),
      containerName(v),
      `${cpuPercent(a[i] as StatsSample, b[i] as StatsSample).toFixed(2)}%`,
      `${bytesSize(mem)} / ${limit === undefined ? 'unlimited' : bytesSize(limit)}`,
      limit ? `${((mem / limit) * 100).toFixed(2)}%` : '0.00%',
      String(s.pids ?? 0),
    ]);
  });
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd((w[i] as number) + 3) : c)).join('')).join('\n') + '\n';
}

export const command: Command = {
  name: 'stats',
  summary: 'Display resource usage of running containers',
  usage: 'tsbuild stats [--no-stream] [CONTAINER…]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    for (;;) {
      const views = args.positionals.length > 0 ? await Promise.all(args.positionals.map((r) => findContainer(ctx.root, r))) : (await listContainers(ctx.root)).filter((v) => v.running);
      const live = views.filter((v) => v.running);
      const a = await Promise.all(live.map(sampleStats));
      await new Promise((r) => setTimeout(r, 500));
      const b = await Promise.all(live.map(sampleStats));
      ctx.stdout.write(table(live, a, b));
      if (flagBool(args, 'no-stream') || live.length === 0) return 0;
    }
  },
};
