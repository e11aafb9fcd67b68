// Linux capabilities: names ↔ bit numbers, Docker's default set, and the
// resolution of --cap-add / --cap-drop / --privileged into the five sets
// boxinit applies. Pure.
import { TsbuildError } from '../errors.js';
import type { CapabilitySets } from './boxinit-protocol.js';

/** capability names (without CAP_) by bit number, as in linux/capability.h */
export const CAPABILITY_NAMES: readonly string[] = [
  'CHOWN', // 0
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL', // 5
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', // 10
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER', // 15
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT', // 20
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME', // 25
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL', // 30
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM', // 35
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE', // 40
];

export const CAP_LAST = CAPABILITY_NAMES.length - 1;
/** every known capability */
export const ALL_CAPABILITIES: bigint = (1n << BigInt(CAPABILITY_NAMES.length)) - 1n;

/** Docker's 14 default capabilities (moby oci/caps/defaults.go) */
export const DOCKER_DEFAULT_CAPABILITY_NAMES: readonly string[] = [
  'CHOWN',
  'DAC_OVERRIDE',
  'FSETID',
  'FOWNER',
  'MKNOD',
  'NET_RAW',
  'SETGID',
  'SETUID',
  'SETFCAP',
  'SETPCAP',
  'NET_BIND_SERVICE',
  'SYS_CHROOT',
  'KILL',
  'AUDIT_WRITE',
];

/** the bit number of a capability name (CAP_ prefix and case optional) */
export function capabilityBit(name: string): number | undefined {
  const n = name.trim().toUpperCase().replace(/^CAP_/, '');
  const i = CAPABILITY_NAMES.indexOf(n);
  return i < 0 ? undefined : i;
}

export function capabilityMask(names: readonly string[]): bigint {
  let m = 0n;
  for (const name of names) {
    const bit = capabilityBit(name);
    if (bit === undefined) throw new TsbuildError('usage', 'UNKNOWN_CAPABILITY', `unknown capability: ${JSON.stringify(name)}`);
    m |= 1n << BigInt(bit);
  }
  return m;
}

/** the names (CAP_…) of the bits in a mask, low bits first */
export function capabilityNames(mask: bigint): string[] {
  const out: string[] = [];
  for (let i = 0; i < CAPABILITY_NAMES.length; i++) if ((mask >> BigInt(i)) & 1n) out.push(`CAP_${CAPABILITY_NAMES[i]}`);
  return out;
}

export const DOCKER_DEFAULT_CAPABILITIES: bigint = capabilityMask(DOCKER_DEFAULT_CAPABILITY_NAMES);

/** mask formatted like /proc/PID/status (16 hex digits) */
export function formatCapabilityMask(mask: bigint): string {
  return mask.toString(16).padStart(16, '0');
}

export interface CapabilityRequest {
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  privileged?: boolean;
  /** the container user's uid: non-root gets no effective/permitted capabilities */
  uid: number;
}

/**
 * Docker's rules: start from the defaults (all for --privileged); `--cap-add
 * ALL` gives all, `--cap-drop ALL` starts from none; then the named adds and
 * drops apply (a cap both added and dropped by name is dropped, as moby's
 * TweakCapabilities does for an explicit drop). Root gets the result in the
 * bounding, permitted and effective sets; anyone else only in bounding.
 * Inheritable and ambient are always empty (CVE-2022-24769).
 */
export function resolveCapabilities(req: CapabilityRequest): CapabilitySets {
  const adds = (req.capAdd ?? []).map((s) => s.trim().toUpperCase().replace(/^CAP_/, ''));
  const drops = (req.capDrop ?? []).map((s) => s.trim().toUpperCase().replace(/^CAP_/, ''));
  let set: bigint;
  if (req.privileged) {
    set = ALL_CAPABILITIES;
  } else {
    set = adds.includes('ALL') ? ALL_CAPABILITIES : drops.includes('ALL') ? 0n : DOCKER_DEFAULT_CAPABILITIES;
    if (adds.includes('ALL') && drops.includes('ALL')) set = 0n;
    set |= capabilityMask(adds.filter((a) => a !== 'ALL'));
    set &= ~capabilityMask(drops.filter((d) => d !== 'ALL'));
  }
  const root = req.uid === 0;
  return {
    bounding: set,
    permitted: root ? set : 0n,
    effective: root ? set : 0n,
    inheritable: 0n,
    ambient: 0n,
  };
}

/** whether a capability set holds a capability (by name) */
export function hasCapability(mask: bigint, name: string): boolean {
  const bit = capabilityBit(name);
  return bit !== undefined && ((mask >> BigInt(bit)) & 1n) === 1n;
}
