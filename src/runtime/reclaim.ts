// Reclaims what a killed tsbuild left behind: a container whose owner
// (the tsbuild process, by pid + start time) is gone. A container process
// still alive without its owner is killed (it is attached to nothing); then
// the container's dirs go (--rm, with its anonymous volumes) or its state is
// marked exited.
import { stat, rm } from 'node:fs/promises';
import path from 'node:path';
import { readRecord } from './lifecycle/record.js';
import { removeAnonymousVolumes } from './lifecycle/volumes.js';
import {
  containerDir,
  containersDir,
  containersListing,
  isAlive,
  isContainerId,
  processStartTime,
  readState,
  releaseName,
  writeState,
  type ContainerState,
} from './state.js';
import { sweepExitStatuses } from './lifecycle/exit-status.js';

/** a dir without state.json older than this is a crashed start */
const STATELESS_GRACE_MS = 60_000;

export interface ReclaimResult {
  removed: string[];
  marked: string[];
  killed: string[];
}

export async function reclaimStale(root: string): Promise<ReclaimResult> {
  const result: ReclaimResult = { removed: [], marked: [], killed: [] };
  const listing = containersListing(root);
  sweepExitStatuses(containersDir(root), listing);
  for (const id of listing.filter(isContainerId)) {
    const dir = containerDir(root, id);
    const state = await readState(dir);
    if (!state) {
      const st = await stat(dir).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > STATELESS_GRACE_MS) {
        await rm(dir, { recursive: true, force: true });
        result.removed.push(id);
      }
      continue;
    }
    if (state.status === 'exited' && !state.rm) continue;
    if (await isAlive(state.owner)) continue;
    const record = readRecord(dir);
    // a restart in progress owns it (restart.ts)
    if (record?.restarting && record.restartedBy && (await isAlive(record.restartedBy))) continue;
    if (await isAlive(state.process)) {
      const p = state.process as NonNullable<ContainerState['process']>;
      // re-check the start time right before the kill: never hit a recycled pid
      if (p.pid > 1 && (await processStartTime(p.pid)) === p.startTime) {
        try {
          process.kill(p.pid, 'SIGKILL');
          result.killed.push(id);
        } catch {
          /* gone meanwhile */
        }
      }
      await waitGone(p.pid, p.startTime, 2000);
    }
    if (state.rm) {
      const volumes = record?.anonymousVolumes ?? [];
      await rm(dir, { recursive: true, force: true });
      removeAnonymousVolumes(root, volumes);
      if (state.name) await releaseName(root, state.name);
      result.removed.push(id);
    } else {
      await rm(path.join(dir, 'work'), { recursive: true, force: true });
      await writeState(dir, { ...state, status: 'exited' });
      result.marked.push(id);
    }
  }
  return result;
}

async function waitGone(pid: number, startTime: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && (await processStartTime(pid)) === startTime) await new Promise((r) => setTimeout(r, 20));
}
