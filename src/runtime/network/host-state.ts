// The host-wide network state (RUNDIR/network/state.json, under the lock
// RUNDIR/network/lock): the address allocations with their owners, veths and
// netns files, and what tsbuild changed on the host (so reset undoes it).
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ProcessRef } from '../state.js';
import type { PortMapping } from './options.js';
import { networkDir } from './run-dir.js';
import { withLock } from './lock.js';
import { replaceFileSync } from '../replace-file.js';

export interface Allocation {
  id: string;
  /** the tsbuild process that owns the container's network (pid + start time) */
  owner: ProcessRef;
  ip?: string;
  /** host end of the veth pair */
  veth?: string;
  /** the bind-mounted netns file */
  netns: string;
  ports: PortMapping[];
}

export interface NetworkState {
  version: 1;
  /** last address handed out (round-robin) */
  last?: string;
  /** net.ipv4.ip_forward before tsbuild set it to 1 */
  ipForwardBefore?: string;
  allocations: Record<string, Allocation>;
}

export function emptyState(): NetworkState {
  return { version: 1, allocations: {} };
}

export function stateFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(networkDir(env), 'state.json');
}

export async function readNetworkState(env: NodeJS.ProcessEnv = process.env): Promise<NetworkState> {
  try {
    // synchronous: a small file on tmpfs, read on the start-up path of `tsbuild run`
    const s = JSON.parse(readFileSync(stateFile(env), 'utf8')) as NetworkState;
    return s.version === 1 && s.allocations ? s : emptyState();
  } catch {
    return emptyState();
  }
}

async function writeNetworkState(s: NetworkState, env: NodeJS.ProcessEnv): Promise<void> {
  const file = stateFile(env);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  replaceFileSync(file, JSON.stringify(s, null, 2) + '\n');
}

/** read-modify-write of the state under the host-wide lock */
export async function updateNetworkState<T>(f: (s: NetworkState) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return withLock(path.join(networkDir(env), 'lock'), async () => {
    const s = await readNetworkState(env);
    const result = await f(s);
    await writeNetworkState(s, env);
    return result;
  });
}
