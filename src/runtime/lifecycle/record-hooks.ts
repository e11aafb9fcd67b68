// The life-cycle record written for every container, attached or detached
// (record.ts): the hooks that `run` hands to the attached life cycle
// (container.ts). One write when the container is attached to its cgroup and
// network, one when its command runs, one after it ended and was cleaned up
// — plain temp + rename, no fsync and no extra process (start-up time).
import type { ContainerState, ProcessRef } from '../state.js';
import { containerDir } from '../state.js';
import type { LifecycleHooks } from './hooks.js';
import { overlayLowers } from './overlay-lowers.js';
import { execTemplate, readRecord, updateRecord, writeRecord, type AnonymousVolume, type LifecycleRecord } from './record.js';

/** what a `start`/`restart` carries over from the container's last run */
export interface PreviousRun {
  state: ContainerState;
  record: LifecycleRecord | undefined;
}

export interface RecordingOptions {
  root: string;
  id: string;
  /** the `run` arguments (without the program) and the caller's working directory */
  runArgv: readonly string[];
  cwd: string;
  detached: boolean;
  /** the monitor of a detached container */
  monitor?: ProcessRef;
  previous?: PreviousRun;
}

export function recordingHooks(o: RecordingOptions): LifecycleHooks {
  const dir = containerDir(o.root, o.id);
  const prev = o.previous?.record;
  // `restart` marks the record before it stops the container, so the first ask
  // (the cleanup after the container ended) reads the record; later asks get
  // that answer, also once exited() has let the next run rewrite the record
  let restarting: boolean | undefined;
  const hooks: LifecycleHooks = {
    id: o.id,
    detached: o.detached,
    ...(o.previous ? { previous: o.previous } : {}),
    async attached({ spec, config, network, cgroup }) {
      writeRecord(dir, {
        version: 1,
        detached: o.detached,
        ...(o.monitor ? { monitor: o.monitor } : {}),
        argv: [...spec.argv],
        hostname: spec.hostname,
        stopSignal: spec.stopSignal,
        network: { mode: network.mode, ...(network.ip ? { ip: network.ip } : {}), ...(network.gateway ? { gateway: network.gateway } : {}), ports: network.ports },
        cgroup: cgroup.handle,
        exec: execTemplate(config),
        ...(config.rootfs.kind === 'overlay' ? { lowers: overlayLowers(config.rootfs.options, config.rootfs.baseDir) } : {}),
        runArgv: [...o.runArgv],
        ...(spec.mounts.some((m) => m.type === 'bind') ? { binds: spec.mounts.filter((m) => m.type === 'bind').map((m) => ({ source: m.source, target: m.target, readonly: m.readonly })) } : {}),
        cwd: o.cwd,
        ...(hooks.anonymousVolumes && hooks.anonymousVolumes.length > 0 ? { anonymousVolumes: hooks.anonymousVolumes } : {}),
        ...(prev?.name ? { name: prev.name } : {}),
      });
    },
    running() {
      updateRecord(dir, { startedAt: new Date().toISOString() });
    },
    restarting: () => (restarting ??= readRecord(dir)?.restarting === true),
    exited() {
      hooks.kept = true;
      updateRecord(dir, { finishedAt: new Date().toISOString() });
    },
  };
  return hooks;
}

export type { AnonymousVolume };
