// Container state: ROOT/containers/ID/state.json, written by temp + rename.
// Liveness is a pid *and* its start time from /proc/PID/stat, so a recycled
// pid is never mistaken for the container.
//
// The file operations are synchronous on purpose: they sit on the start-up
// path of `tsbuild run`, a CLI with nothing else to do meanwhile, where a
// thread-pool round trip per call costs more than the call.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { replaceFileSync } from './replace-file.js';

export type ContainerStatus = 'created' | 'running' | 'exited';

export interface ProcessRef {
  pid: number;
  /** field 22 of /proc/PID/stat (clock ticks since boot) */
  startTime: string;
}

export interface ContainerState {
  version: 1;
  id: string;
  name?: string;
  status: ContainerStatus;
  createdAt: string;
  /** the tsbuild process that owns the container (attached run) */
  owner: ProcessRef;
  /** the spawned process whose death ends the container (unshare --kill-child) */
  process?: ProcessRef;
  /** host pid of the container's PID 1 */
  pid1?: number;
  exitStatus?: number;
  /** the OOM killer killed a process of the container (src/runtime/cgroups) */
  oomKilled?: boolean;
  rm: boolean;
  image: string;
  paths: { dir: string; upper?: string; work?: string; merged: string; rootfs?: string };
}

export function containersDir(root: string): string {
  return path.join(root, 'containers');
}

export function containerDir(root: string, id: string): string {
  return path.join(containersDir(root), id);
}

export function namesDir(root: string): string {
  return path.join(containersDir(root), '.names');
}

export async function writeState(dir: string, state: ContainerState): Promise<void> {
  replaceFileSync(path.join(dir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
}

export async function readState(dir: string): Promise<ContainerState | undefined> {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as ContainerState;
  } catch {
    return undefined;
  }
}

/** field 22 of /proc/PID/stat, or undefined when there is no such process */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: split after the last ')'
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

export async function processRef(pid: number): Promise<ProcessRef> {
  const startTime = await processStartTime(pid);
  if (startTime === undefined) throw new Error(`process ${pid} is gone`);
  return { pid, startTime };
}

export async function isAlive(ref: ProcessRef | undefined): Promise<boolean> {
  return ref !== undefined && (await processStartTime(ref.pid)) === ref.startTime;
}

/** Reserves a container name (O_EXCL file under .names/); false when taken. */
export async function reserveName(root: string, name: string, id: string): Promise<boolean> {
  mkdirSync(namesDir(root), { recursive: true });
  try {
    writeFileSync(path.join(namesDir(root), name), id, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

export async function nameOwner(root: string, name: string): Promise<string | undefined> {
  try {
    return readFileSync(path.join(namesDir(root), name), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export async function releaseName(root: string, name: string): Promise<void> {
  rmSync(path.join(namesDir(root), name), { force: true });
}

/** what ROOT/containers holds (container dirs, dot files beside them) */
export function containersListing(root: string): string[] {
  try {
    return readdirSync(containersDir(root));
  } catch {
    return [];
  }
}

export function isContainerId(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}

export async function listContainerIds(root: string): Promise<string[]> {
  return containersListing(root).filter(isContainerId);
}
