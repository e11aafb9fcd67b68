// The monitor of a detached container (`tsbuild __monitor`): runs the
// container through the attached life cycle with the container's output going
// to ROOT/containers/<id>/ctr.log, records the life-cycle facts (record.ts),
// and stays until the container ends (its port proxies live here too). It is
// the container's owner in state.json: when it is killed, the next command
// reconciles (reclaim.ts, the cgroup and network records). `start` and
// `restart` run a stopped container again through a new monitor, with the
// `run` arguments the record keeps.
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CommandContext } from '../../cli/command.js';
import { TsbuildError } from '../../errors.js';
import { containerDir, processRef, readState } from '../state.js';
import type { LifecycleHooks } from './hooks.js';
import { logWriter } from './log-file.js';
import { readRecord } from './record.js';
import { recordingHooks, type PreviousRun } from './record-hooks.js';

export const LOG_FILE = 'ctr.log';

export type RunContainer = (ctx: CommandContext, argv: string[], hooks: LifecycleHooks) => Promise<number>;

export async function runMonitor(ctx: CommandContext, id: string, runArgv: string[], runContainer: RunContainer, o: { again?: boolean } = {}): Promise<number> {
  const dir = containerDir(ctx.root, id);
  let previous: PreviousRun | undefined;
  if (o.again) {
    const state = await readState(dir);
    if (!state) throw new TsbuildError('runtime', 'NO_SUCH_CONTAINER', `no such container: ${id}`);
    previous = { state, record: readRecord(dir) };
  }
  const logFile = path.join(dir, LOG_FILE);
  const stdout = logWriter(logFile, 'stdout');
  const stderr = logWriter(logFile, 'stderr');
  const stdin = Readable.from([]);
  const monitor = await processRef(process.pid);
  const hooks = recordingHooks({ root: ctx.root, id, runArgv, cwd: ctx.cwd, detached: true, monitor, ...(previous ? { previous } : {}) });
  // before the container exists, failures go to our own stderr (the caller shows it)
  const status = await runContainer({ ...ctx, stdin, stdout, stderr }, runArgv, hooks);
  await Promise.all([new Promise((r) => stdout.end(r)), new Promise((r) => stderr.end(r))]);
  return status;
}
