// tsbuild start [-a] CONTAINER… — runs stopped containers again, detached (a
// running one is left as it is); with -a, one container, its output shown
// until it ends, signals passed on to it, and its exit status as ours
import path from 'node:path';
import { flagBool, parseArgs } from '../args.js';
import type { Command, CommandContext } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { readLogFile } from '../../runtime/lifecycle/log-file.js';
import { followLog } from '../../runtime/lifecycle/log-follow.js';
import { findContainer, reconcile, viewOf } from '../../runtime/lifecycle/lookup.js';
import { LOG_FILE } from '../../runtime/lifecycle/monitor.js';
import { startAgain } from '../../runtime/lifecycle/restart.js';
import { proxySignals } from '../../runtime/proxy-signals.js';
import { signalContainer, waitExit } from '../../runtime/lifecycle/signal.js';

const flags = [{ name: 'attach', short: 'a', kind: 'bool', description: "show the container's output until it ends and exit with its status" }] as const;

export const command: Command = {
  name: 'start',
  summary: 'Start stopped containers',
  usage: 'tsbuild start [-a] CONTAINER [CONTAINER…]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length === 0) throw usageError('start needs at least one CONTAINER');
    if (flagBool(args, 'attach')) {
      if (args.positionals.length !== 1) throw usageError('start -a attaches to one CONTAINER only');
      return startAttached(ctx, args.positionals[0] as string);
    }
    const failures: string[] = [];
    let status = 0;
    for (const ref of args.positionals) {
      try {
        const v = await findContainer(ctx.root, ref);
        const s = v.running ? 0 : await startAgain(ctx, v);
        if (s === 0) ctx.stdout.write(`${ref}\n`);
        else status = s;
      } catch (err) {
        if (!(err instanceof TsbuildError)) throw err;
        failures.push(err.message);
      }
    }
    if (failures.length > 0) throw new TsbuildError('runtime', 'START_FAILED', failures.join('; '));
    return status;
  },
};

/** `start -a`: the output this run writes (not earlier runs'), as `docker start -a` shows it */
async function startAttached(ctx: CommandContext, ref: string): Promise<number> {
  const v = await findContainer(ctx.root, ref);
  const file = path.join(v.dir, LOG_FILE);
  const from = readLogFile(file);
  if (!v.running) {
    const s = await startAgain(ctx, v);
    if (s !== 0) return s;
  }
  // signals to tsbuild go to the container (Docker's --sig-proxy)
  const unproxy = proxySignals((sig) => void viewOf(ctx.root, v.id).then((cur) => (cur ? signalContainer(cur, sig) : undefined)).catch(() => undefined));
  try {
    await followLog(ctx.root, v.id, file, from, (e) => (e.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(e.log));
    const code = await waitExit(v, () => reconcile(ctx.root));
    // undefined: a --rm container removed without its status kept (exit-status.ts)
    return code ?? 0;
  } finally {
    unproxy();
  }
}
