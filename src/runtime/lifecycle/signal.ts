// Signals, stop, wait and removal. A container is reached through the
// process its state names (pid + start time, checked right before each
// signal): boxinit's stage 2, which forwards the usual signals to PID 1 and
// whose death (SIGKILL) takes PID 1 with it. Other signals go to PID 1
// itself, once /proc says its parent is that process.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { TsbuildError, usageError } from '../../errors.js';
import { isAlive, nameOwner, processStartTime, readState, releaseName, type ContainerState } from '../state.js';
import type { ContainerView } from './lookup.js';
import { waitReleased } from './released.js';
import { unpauseContainer } from './resources.js';
import { keptExitStatus } from './exit-status.js';

const SIGNALS = osConstants.signals as Record<string, number>;
/** what boxinit's stage 2 forwards to PID 1 (boxinit-protocol.ts) */
const FORWARDED = new Set(['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGALRM', 'SIGCONT', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGPIPE']);

/** "TERM", "SIGTERM", "15" → "SIGTERM" */
export function signalName(s: string): string {
  const up = s.toUpperCase();
  if (/^\d+$/.test(up)) {
    const name = Object.keys(SIGNALS).find((k) => SIGNALS[k] === Number(up));
    if (!name) throw usageError(`unknown signal: ${s}`);
    return name;
  }
  const name = up.startsWith('SIG') ? up : `SIG${up}`;
  if (SIGNALS[name] === undefined) throw usageError(`unknown signal: ${s}`);
  return name;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export async function signalContainer(v: ContainerView, sig: string): Promise<void> {
  const p = v.state.process;
  if (!v.running || !p) throw new TsbuildError('runtime', 'NOT_RUNNING', `container ${v.id.slice(0, 12)} is not running`);
  if ((await processStartTime(p.pid)) !== p.startTime) throw new TsbuildError('runtime', 'NOT_RUNNING', `container ${v.id.slice(0, 12)} is not running`);
  const name = signalName(sig);
  let target = p.pid;
  if (name !== 'SIGKILL' && !FORWARDED.has(name) && v.state.pid1 !== undefined && parentOf(v.state.pid1) === p.pid) target = v.state.pid1;
  if (target <= 1) throw new TsbuildError('internal', 'BAD_PID', `container ${v.id.slice(0, 12)} has no valid process id (${target})`);
  try {
    process.kill(target, name as NodeJS.Signals);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** a detached container's monitor still runs (it cleans up after the container) */
async function monitorAlive(v: ContainerView): Promise<boolean> {
  return v.record?.detached === true && (await isAlive(v.state.owner));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** until the container's process and its owner (monitor or attached tsbuild) are gone */
export async function waitStopped(v: ContainerView, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!(await isAlive(v.state.process)) && !(await monitorAlive(v))) return true;
    await sleep(20);
  }
  return false;
}

export async function stopContainer(v: ContainerView, seconds: number): Promise<void> {
  if (!v.running) return;
  // a frozen process gets no signal: thaw first, as Docker does
  if (v.record?.paused) await unpauseContainer(v).catch(() => undefined);
  const sig = v.record?.stopSignal ?? 'SIGTERM';
  await signalContainer(v, sig).catch(() => undefined);
  if (await waitStopped(v, seconds * 1000)) return;
  await signalContainer(v, 'SIGKILL').catch(() => undefined);
  if (!(await waitStopped(v, 15_000))) throw new TsbuildError('runtime', 'STOP_TIMEOUT', `container ${v.id.slice(0, 12)} did not stop`);
}

/** waits for the container to exit; its exit status (undefined: removed without one) */
export async function waitExit(v: ContainerView, reconcile: () => Promise<void>): Promise<number | undefined> {
  for (;;) {
    const s: ContainerState | undefined = await readState(v.dir);
    // a detached --rm container removed at its end left its status behind
    if (!s) return keptExitStatus(v.dir);
    if (s.status === 'exited' && !(await monitorAlive({ ...v, state: s }))) return s.exitStatus ?? 137;
    if (!(await isAlive(s.owner))) await reconcile();
    await sleep(50);
  }
}

export async function removeContainer(root: string, v: ContainerView, force: boolean): Promise<void> {
  if (v.running || (await monitorAlive(v))) {
    if (!force) throw new TsbuildError('usage', 'CONTAINER_RUNNING', `cannot remove container ${v.id.slice(0, 12)}: it is running (stop it first, or use rm -f)`);
    if (v.record?.paused) await unpauseContainer(v).catch(() => undefined);
    if (v.running) await signalContainer(v, 'SIGKILL').catch(() => undefined);
    if (!(await waitStopped(v, 15_000))) throw new TsbuildError('runtime', 'STOP_TIMEOUT', `container ${v.id.slice(0, 12)} did not stop`);
    // an attached run's tsbuild writes the exit status and cleans up after its container
    await waitReleased(v, 15_000).catch(() => undefined);
  }
  await rm(v.dir, { recursive: true, force: true });
  for (const name of new Set([v.state.name, v.record?.name])) {
    if (name && (await nameOwner(root, name)) === v.id) await releaseName(root, name);
  }
}
