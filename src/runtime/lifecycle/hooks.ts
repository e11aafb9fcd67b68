// What a detached run's monitor learns from the attached life cycle
// (container.ts): the id it chose, the boxinit config and network once they
// exist, and the moment the container's PID 1 runs.
import type { BoxinitConfig } from '../boxinit-protocol.js';
import type { ContainerCgroup } from '../cgroups/container-cgroup.js';
import type { ContainerNetwork } from '../network/container-network.js';
import type { ContainerSpec } from '../spec.js';

export interface LifecycleHooks {
  /** the container id to use (the caller of `run -d` prints it) */
  id: string;
  /** after the cgroup and network exist, before boxinit starts */
  attached(a: { spec: ContainerSpec; config: BoxinitConfig; network: ContainerNetwork; cgroup: ContainerCgroup }): Promise<void>;
  /** PID 1 of the container runs (its host pid) */
  running(pid1: number): void;
}
