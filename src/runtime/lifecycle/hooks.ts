// What the life-cycle record (record-hooks.ts) learns from the attached life
// cycle (container.ts): the id it chose, the boxinit config and network once
// they exist, the moment the container's PID 1 runs and the end of the run.
import type { BoxinitConfig } from '../boxinit-protocol.js';
import type { ContainerCgroup } from '../cgroups/container-cgroup.js';
import type { ContainerNetwork } from '../network/container-network.js';
import type { ContainerSpec } from '../spec.js';
import type { ContainerState } from '../state.js';
import type { AnonymousVolume, LifecycleRecord } from './record.js';

export interface LifecycleHooks {
  /** the container id to use (the caller of `run -d` prints it) */
  id: string;
  /**
   * `start`/`restart`: the container exists already; its dir, name, creation
   * time and upper dir are used again
   */
  previous?: { state: ContainerState; record: LifecycleRecord | undefined };
  /** anonymous volumes made for the run (volumes.ts), kept in the record */
  anonymousVolumes?: AnonymousVolume[];
  /** after the cgroup and network exist, before boxinit starts */
  attached(a: { spec: ContainerSpec; config: BoxinitConfig; network: ContainerNetwork; cgroup: ContainerCgroup }): Promise<void>;
  /** PID 1 of the container runs (its host pid) */
  running(pid1: number): void;
  /** the container ended and its cgroup, network and mounts are gone (a container that started only) */
  exited?(): void;
  /** `restart` stopped the container: a --rm one stays for it */
  restarting?(): boolean;
  /** set by exited(): the run made a container that stays (not --rm) or stayed until its end */
  kept?: boolean;
  /** a detached run (its monitor): a --rm container leaves its exit status behind (exit-status.ts) */
  detached?: boolean;
}
