// The one call `run` makes: detect the layout from /proc/self, create the
// container's cgroup with its limits, record it host-wide, and hand back what
// the container needs (cgroup.procs files for boxinit, the /sys/fs/cgroup
// mounts) plus its release.
import { readFileSync } from 'node:fs';
import type { BoxinitMount } from '../boxinit-protocol.js';
import type { ProcessRef } from '../state.js';
import { oomKillCount, removeCgroup } from './control.js';
import { prepareCgroupMounts } from './container-mounts.js';
import { createContainerCgroup } from './create.js';
import { resolveDevice, type ResolvedDevice } from './devices.js';
import { procsFiles, type CgroupHandle } from './handle.js';
import { detectLayout, type CgroupLayout } from './layout.js';
import type { ResourceLimits } from './limits.js';
import { dropCgroupRecord, reclaimCgroups, writeCgroupRecord } from './records.js';

export async function hostCgroupLayout(): Promise<CgroupLayout> {
  return detectLayout(readFileSync('/proc/self/cgroup', 'utf8'), readFileSync('/proc/self/mountinfo', 'utf8'));
}

export interface ContainerCgroup {
  handle: CgroupHandle;
  /** for BoxinitConfig.cgroupProcs */
  procsFiles: string[];
  /** for BoxinitConfig.mounts: /sys/fs/cgroup inside */
  mounts: BoxinitMount[];
  /** the --device nodes to bind (host → container path) */
  devices: ResolvedDevice[];
  warnings: string[];
  /** did the OOM killer kill a process of the container? */
  oomKilled(): Promise<boolean>;
  /** removes the cgroup (after the container's processes are gone) and its record */
  release(): Promise<void>;
}

export async function setUpContainerCgroup(req: {
  id: string;
  limits: ResourceLimits;
  privileged: boolean;
  owner: ProcessRef;
}): Promise<ContainerCgroup> {
  await reclaimCgroups().catch(() => undefined);
  const devices = await Promise.all(req.limits.devices.map(resolveDevice));
  const layout = await hostCgroupLayout();
  const { handle, warnings } = await createContainerCgroup({ id: req.id, limits: req.limits, devices, privileged: req.privileged, layout });
  try {
    await writeCgroupRecord({ id: req.id, owner: req.owner, handle });
    const mounts = await prepareCgroupMounts(handle);
    return {
      handle,
      procsFiles: procsFiles(handle),
      mounts,
      devices,
      warnings,
      oomKilled: async () => (await oomKillCount(handle)) > 0,
      release: async () => {
        await removeCgroup(handle);
        await dropCgroupRecord(req.id);
      },
    };
  } catch (err) {
    await removeCgroup(handle).catch(() => undefined);
    await dropCgroupRecord(req.id).catch(() => undefined);
    throw err;
  }
}
