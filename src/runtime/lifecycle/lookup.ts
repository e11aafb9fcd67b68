// Finding containers: by full id, name, or a unique id prefix, after
// reconciling what killed tsbuild processes left (reclaim.ts for the state,
// the cgroup and network records for the host-wide parts).
import { TsbuildError } from '../../errors.js';
import { reclaimCgroups } from '../cgroups/records.js';
import { reclaimAllocations } from '../network/container-network.js';
import { updateNetworkState } from '../network/host-state.js';
import { reclaimStale } from '../reclaim.js';
import { containerDir, isAlive, listContainerIds, nameOwner, readState, type ContainerState } from '../state.js';
import { readRecord, type LifecycleRecord } from './record.js';

export interface ContainerView {
  id: string;
  dir: string;
  state: ContainerState;
  record: LifecycleRecord | undefined;
  /** its process is alive (pid + start time) */
  running: boolean;
}

export async function reconcile(root: string): Promise<void> {
  // a --rm container whose owner was killed goes now, and its anonymous volumes with it
  await reclaimStale(root).catch(() => undefined);
  await reclaimCgroups().catch(() => undefined);
  await updateNetworkState(reclaimAllocations).catch(() => undefined);
}

export async function viewOf(root: string, id: string): Promise<ContainerView | undefined> {
  const dir = containerDir(root, id);
  const state = await readState(dir);
  if (!state) return undefined;
  const running = state.status === 'running' && (await isAlive(state.process));
  return { id, dir, state, record: readRecord(dir), running };
}

export async function listContainers(root: string): Promise<ContainerView[]> {
  await reconcile(root);
  const out: ContainerView[] = [];
  for (const id of await listContainerIds(root)) {
    const v = await viewOf(root, id);
    if (v) out.push(v);
  }
  return out.sort((a, b) => b.state.createdAt.localeCompare(a.state.createdAt));
}

export function noSuchContainer(ref: string): TsbuildError {
  return new TsbuildError('runtime', 'NO_SUCH_CONTAINER', `no such container: ${ref}`);
}

/** id, name or unique id prefix → the container's id, or undefined */
export async function resolveContainerId(root: string, ref: string): Promise<string | undefined> {
  const ids = await listContainerIds(root);
  if (ids.includes(ref)) return ref;
  const byName = await nameOwner(root, ref.replace(/^\//, ''));
  if (byName && ids.includes(byName)) return byName;
  if (/^[0-9a-f]{1,63}$/.test(ref)) {
    const hits = ids.filter((i) => i.startsWith(ref));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) throw new TsbuildError('usage', 'AMBIGUOUS_CONTAINER', `${ref} matches ${hits.length} containers: give more of the id`);
  }
  return undefined;
}

export async function findContainer(root: string, ref: string, o: { reconcile?: boolean } = {}): Promise<ContainerView> {
  if (o.reconcile !== false) await reconcile(root);
  const id = await resolveContainerId(root, ref);
  const v = id ? await viewOf(root, id) : undefined;
  if (!v) throw noSuchContainer(ref);
  return v;
}
