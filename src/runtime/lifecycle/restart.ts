// `start` and `restart`: a stopped container runs again through a new monitor
// (detach.ts), with the `run` arguments and working directory its record
// keeps, under the same id, name, creation time, upper dir and anonymous
// volumes (container.ts reuses them when the hooks carry the previous run).
// `restart` stops a running one first (stop signal, then SIGKILL after N s)
// and waits until its owner — monitor or attached tsbuild — has released
// its cgroup, network and mounts, which the new run takes over by id. A
// --rm container stays through a restart (the record's `restarting` keeps its
// monitor from removing it) and goes when it stops later, as Docker's.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { CommandContext } from '../../cli/command.js';
import { TsbuildError } from '../../errors.js';
import { startMonitor } from './detach.js';
import { readRecord, updateRecord, writeRecord } from './record.js';
import { waitReleased } from './released.js';
import { removeContainer, stopContainer } from './signal.js';
import { processRef, readState, writeState } from '../state.js';
import { viewOf, type ContainerView } from './lookup.js';
import { removeAnonymousVolumes } from './volumes.js';

/** runs a stopped container again, detached; 0 or the failed start's status */
export async function startAgain(ctx: CommandContext, v: ContainerView): Promise<number> {
  const r = v.record;
  if (!r?.runArgv) throw new TsbuildError('runtime', 'NO_RUN_RECORD', `container ${v.id.slice(0, 12)} has no recorded run arguments (it was made by an older tsbuild): it cannot be started again`);
  await waitReleased(v, 30_000);
  // per-run leftovers the next run makes afresh (the v1 cgroup mount skeleton)
  rmSync(path.join(v.dir, 'cgroupfs'), { recursive: true, force: true });
  // the new monitor's start shows as a startedAt in the record
  const { startedAt: _s, ...rest } = readRecord(v.dir) ?? r;
  writeRecord(v.dir, rest);
  // ours until the new monitor takes it over: a stale --rm container is not reclaimed meanwhile
  const state = await readState(v.dir);
  if (state) await writeState(v.dir, { ...state, status: 'exited', owner: await processRef(process.pid) });
  const status = await startMonitor(ctx, v.id, r.runArgv, r.cwd ?? ctx.cwd, true);
  if (status !== 0) {
    updateRecord(v.dir, { restarting: false, finishedAt: new Date().toISOString() });
    // a --rm container that cannot run again goes, with its anonymous volumes
    const now = await viewOf(ctx.root, v.id);
    if (now?.state.rm && !now.running) {
      await removeContainer(ctx.root, now, true);
      removeAnonymousVolumes(ctx.root, now.record?.anonymousVolumes ?? []);
    }
  }
  return status;
}

export async function restartContainer(ctx: CommandContext, v: ContainerView, seconds: number): Promise<number> {
  if (!v.record?.runArgv) throw new TsbuildError('runtime', 'NO_RUN_RECORD', `container ${v.id.slice(0, 12)} has no recorded run arguments (it was made by an older tsbuild): it cannot be restarted`);
  // from the old monitor's end until startAgain takes the container over, a
  // concurrent reconcile sees a --rm container without a live owner: the
  // record names this process, so it is left alone meanwhile
  updateRecord(v.dir, { restarting: true, restartedBy: await processRef(process.pid) });
  try {
    await stopContainer(v, seconds);
  } catch (err) {
    updateRecord(v.dir, { restarting: false, restartedBy: undefined });
    throw err;
  }
  return startAgain(ctx, v);
}
