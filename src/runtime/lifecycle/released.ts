// Whether a container's last run is over: its process is gone and its owner
// (monitor or attached tsbuild) is gone too or has cleaned up — removed the
// cgroup, network and mounts that a new run with the same id takes over, and
// written the state it writes at the end (the record's finishedAt after its
// startedAt says so). `start`, `restart`, `rm` and `cp` wait for it.
import { TsbuildError } from '../../errors.js';
import { isAlive, readState } from '../state.js';
import type { ContainerView } from './lookup.js';
import { readRecord } from './record.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** the last run is over: its process is gone and its owner is gone or has cleaned up */
export async function released(dir: string): Promise<boolean> {
  const s = await readState(dir);
  if (!s) return true;
  if (s.status === 'running' && (await isAlive(s.process))) return false;
  if (!(await isAlive(s.owner))) return true;
  const r = readRecord(dir);
  // the owner writes finishedAt once the container's resources are gone
  return s.status === 'exited' && r?.finishedAt !== undefined && (r.startedAt === undefined || r.finishedAt >= r.startedAt);
}

export async function waitReleased(v: ContainerView, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await released(v.dir))) {
    if (Date.now() > until) throw new TsbuildError('runtime', 'STOP_TIMEOUT', `container ${v.id.slice(0, 12)}: its last run did not end`);
    await sleep(20);
  }
}

