// What `run` calls, once, after it built the BoxinitConfig: the container's
// cgroup (limits, /sys/fs/cgroup inside, --device nodes) and its network
// (netns for boxinit, /etc/hosts with its address, published ports). Each
// release is registered with the container's cleanup the moment it exists;
// the cleanup runs after the container's process is gone (last in, first out).
import { writeFileSync } from 'node:fs';
import type { BoxinitConfig } from '../boxinit-protocol.js';
import type { Cleanup } from '../cleanup.js';
import { hostsFile } from '../hosts.js';
import { setUpNetwork, type ContainerNetwork } from '../network/container-network.js';
import type { NetworkOptions } from '../network/options.js';
import type { ProcessRef } from '../state.js';
import { setUpContainerCgroup, type ContainerCgroup } from './container-cgroup.js';
import { DEFAULT_CGROUP_PARENT, type ResourceLimits } from './limits.js';

export interface AttachRequest {
  id: string;
  /** the container's state dir */
  dir: string;
  resources: ResourceLimits | undefined;
  network: NetworkOptions | undefined;
  privileged: boolean;
  hostname: string;
  name: string | undefined;
  /** the image config (its ExposedPorts, for -P) */
  image: object;
  config: BoxinitConfig;
  /** the /etc/hosts file prepared for the container (rewritten with its address) */
  hostsPath: string;
  cleanup: Cleanup;
  owner: ProcessRef;
  stderr: NodeJS.WritableStream;
}

export interface Attached {
  cgroup: ContainerCgroup;
  network: ContainerNetwork;
}

export async function attachLimitsAndNetwork(a: AttachRequest): Promise<Attached> {
  const limits = a.resources ?? { devices: [], cgroupParent: DEFAULT_CGROUP_PARENT };
  const cgroup = await setUpContainerCgroup({ id: a.id, limits, privileged: a.privileged, owner: a.owner });
  a.cleanup.defer('remove the cgroup', () => cgroup.release());
  for (const w of cgroup.warnings) a.stderr.write(`WARNING: ${w}\n`);
  a.config.cgroupProcs.push(...cgroup.procsFiles);
  a.config.mounts.push(...cgroup.mounts);
  for (const d of cgroup.devices) a.config.mounts.push({ type: 'bind', source: d.host, destination: d.container, options: [] });

  const exposed = Object.keys((a.image as { ExposedPorts?: Record<string, unknown> }).ExposedPorts ?? {});
  const network = await setUpNetwork({
    id: a.id,
    options: a.network ?? { mode: 'bridge', publish: [], publishAll: false },
    exposed,
    hostname: a.hostname,
    ...(a.name !== undefined ? { name: a.name } : {}),
    owner: a.owner,
  });
  a.cleanup.defer('release the network', () => network.release());
  if (network.shareHost) a.config.namespaces = a.config.namespaces.filter((n) => n !== 'net');
  else if (network.netnsPath) a.config.netnsPath = network.netnsPath;
  writeFileSync(a.hostsPath, hostsFile(network.hosts), { mode: 0o644 });
  return { cgroup, network };
}
