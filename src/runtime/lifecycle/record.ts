// The life-cycle record of a container: ROOT/containers/<id>/lifecycle.json,
// next to state.json (state.ts), written atomically (temp + rename). It holds
// what the life-cycle commands need beyond state.json: times, the command,
// ports, addresses, the cgroup, the stop signal and what `exec` needs to
// enter the container with the same process settings.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BoxinitConfig, Namespace } from '../boxinit-protocol.js';
import type { CgroupHandle } from '../cgroups/handle.js';
import type { PortMapping } from '../network/options.js';
import type { ProcessRef } from '../state.js';
import { replaceFileSync } from '../replace-file.js';

export interface ExecTemplate {
  namespaces: Namespace[];
  cgroupProcs: string[];
  cwd: string;
  env: string[];
  uid: number;
  gid: number;
  additionalGids: number[];
  /** capability sets as hex strings */
  capabilities: { bounding: string; effective: string; permitted: string; inheritable: string; ambient: string };
  noNewPrivileges: boolean;
  /** compiled filter, base64 */
  seccomp?: string;
}

export interface LifecycleRecord {
  version: 1;
  detached: boolean;
  /** the monitor process (by pid + start time) */
  monitor?: ProcessRef;
  argv: string[];
  hostname: string;
  stopSignal: string;
  startedAt?: string;
  finishedAt?: string;
  network?: { mode: string; ip?: string; gateway?: string; ports: PortMapping[] };
  cgroup?: CgroupHandle;
  exec?: ExecTemplate;
  /** the overlay's read-only layers, topmost first (diff, commit, export) */
  lowers?: string[];
  /** the name after a `rename` (state.json keeps the name the run was given) */
  name?: string;
  /** set by `pause` */
  paused?: boolean;
  /** the `run` arguments and working directory, for `start` and `restart` */
  runArgv?: string[];
  cwd?: string;
  /** its bind mounts and volumes (host source → container path), for `cp` while it is stopped */
  binds?: BindRecord[];
  /** anonymous volumes made for this container (removed by `run --rm`, `rm -v`) */
  anonymousVolumes?: AnonymousVolume[];
  /** set by `restart` between the stop and the start */
  restarting?: boolean;
  /** the `restart` process: while it lives, a --rm container whose monitor ended is its, not garbage */
  restartedBy?: ProcessRef;
}

export interface BindRecord {
  source: string;
  target: string;
  readonly: boolean;
}

export interface AnonymousVolume {
  name: string;
  target: string;
}

export const RECORD_FILE = 'lifecycle.json';

export function readRecord(dir: string): LifecycleRecord | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, RECORD_FILE), 'utf8')) as LifecycleRecord;
  } catch {
    return undefined;
  }
}

export function writeRecord(dir: string, r: LifecycleRecord): void {
  replaceFileSync(path.join(dir, RECORD_FILE), JSON.stringify(r, null, 2) + '\n');
}

export function updateRecord(dir: string, patch: Partial<LifecycleRecord>): void {
  const cur = readRecord(dir);
  if (!cur) return;
  writeRecord(dir, { ...cur, ...patch });
}

export function execTemplate(c: BoxinitConfig): ExecTemplate {
  const caps = c.capabilities;
  return {
    namespaces: [...c.namespaces],
    cgroupProcs: [...c.cgroupProcs],
    cwd: c.cwd,
    env: [...c.env],
    uid: c.uid,
    gid: c.gid,
    additionalGids: [...c.additionalGids],
    capabilities: {
      bounding: caps.bounding.toString(16),
      effective: caps.effective.toString(16),
      permitted: caps.permitted.toString(16),
      inheritable: caps.inheritable.toString(16),
      ambient: caps.ambient.toString(16),
    },
    noNewPrivileges: c.noNewPrivileges,
    ...(c.seccomp ? { seccomp: Buffer.from(c.seccomp).toString('base64') } : {}),
  };
}
