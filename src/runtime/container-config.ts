// Container spec + prepared paths → the BoxinitConfig handed to boxinit.
// Pure: every path here was made by container.ts.
import {
  DEFAULT_NAMESPACES,
  DOCKER_MASKED_PATHS,
  DOCKER_READONLY_PATHS,
  type BoxinitConfig,
  type BoxinitMount,
  type BoxinitRootfs,
} from './boxinit-protocol.js';
import type { MountOption } from './run-options.js';
import type { ContainerSpec } from './spec.js';

export interface PreparedPaths {
  rootfs: BoxinitRootfs;
  hostname: string;
  hosts: string;
  resolvConf: string;
}

export function toBoxinitMount(m: MountOption): BoxinitMount {
  if (m.type === 'bind') {
    // Docker binds recursively and keeps the mount private (rprivate)
    return { type: 'bind', source: m.source, destination: m.target, options: ['rbind', ...(m.readonly ? ['ro'] : [])] };
  }
  return { type: 'tmpfs', source: 'tmpfs', destination: m.target, options: [...m.options] };
}

export function toBoxinitConfig(
  spec: ContainerSpec,
  paths: PreparedPaths,
  seccomp: Uint8Array | undefined,
  tty: { rows: number; cols: number } | undefined,
): BoxinitConfig {
  return {
    rootfs: paths.rootfs,
    mounts: spec.mounts.map(toBoxinitMount),
    maskedPaths: spec.privileged ? [] : [...DOCKER_MASKED_PATHS],
    readonlyPaths: spec.privileged ? [] : [...DOCKER_READONLY_PATHS],
    sysfsReadonly: !spec.privileged,
    hostname: spec.hostname,
    files: { hostname: paths.hostname, hosts: paths.hosts, resolvConf: paths.resolvConf },
    readonlyRoot: spec.readOnly,
    cwd: spec.cwd,
    argv: spec.argv,
    env: spec.env,
    uid: spec.user.uid,
    gid: spec.user.gid,
    additionalGids: spec.user.additionalGids,
    capabilities: spec.capabilities,
    noNewPrivileges: spec.noNewPrivileges,
    ...(seccomp ? { seccomp } : {}),
    ...(spec.tty ? { tty: tty ?? { rows: 24, cols: 80 } } : {}),
    init: spec.init,
    cgroupProcs: [],
    namespaces: DEFAULT_NAMESPACES,
  };
}
