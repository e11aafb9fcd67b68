// --device HOST[:CTR[:rwm]] and the device rules of the devices cgroup (v1):
// Docker's default allow-list, the rule text the kernel takes
// ("c 1:3 rwm"), and the host device's type and numbers (one stat).
import { stat } from 'node:fs/promises';
import { usageError, TsbuildError } from '../../errors.js';

export interface DeviceMapping {
  host: string;
  container: string;
  /** a subset of "rwm" in that order */
  permissions: string;
}

export interface DeviceRule {
  type: 'a' | 'c' | 'b';
  /** undefined = any (*) */
  major?: number;
  minor?: number;
  access: string;
}

/** Docker's allow-list for an unprivileged container (moby oci defaults + runc's allowed devices) */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = [
  { type: 'c', access: 'm' },
  { type: 'b', access: 'm' },
  { type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { type: 'c', major: 5, minor: 1, access: 'rwm' }, // console
  { type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { type: 'c', major: 136, access: 'rwm' }, // pts/*
  { type: 'c', major: 10, minor: 200, access: 'rwm' }, // net/tun
];

function validPermissions(p: string): boolean {
  return p.length > 0 && /^r?w?m?$/.test(p);
}

/** Docker's ParseDevice: HOST, HOST:CTR, HOST:PERMS, HOST:CTR:PERMS */
export function parseDevice(value: string): DeviceMapping {
  const flag = `--device ${value}`;
  const parts = value.split(':');
  let host = parts[0] as string;
  let container = host;
  let permissions = 'rwm';
  if (parts.length === 2) {
    if (validPermissions(parts[1] as string)) permissions = parts[1] as string;
    else container = parts[1] as string;
  } else if (parts.length === 3) {
    container = parts[1] as string;
    permissions = parts[2] as string;
    if (!validPermissions(permissions)) throw usageError(`${flag}: permissions ${JSON.stringify(permissions)} must be a combination of r, w, m`);
  } else if (parts.length > 3) {
    throw usageError(`${flag}: expected HOST[:CONTAINER[:PERMISSIONS]]`);
  }
  if (!host.startsWith('/')) throw usageError(`${flag}: the host device ${JSON.stringify(host)} must be an absolute path`);
  if (!container.startsWith('/')) throw usageError(`${flag}: the container path ${JSON.stringify(container)} must be absolute`);
  host = host.replace(/\/+$/, '') || '/';
  return { host, container, permissions };
}

/** "c 1:3 rwm", "a *:* rwm" */
export function ruleText(r: DeviceRule): string {
  return `${r.type} ${r.major ?? '*'}:${r.minor ?? '*'} ${r.access}`;
}

/** the kernel's device numbers of a dev_t as Node's stat reports it */
export function splitDevNumber(rdev: number): { major: number; minor: number } {
  // glibc gnu_dev_major/minor
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  return { major, minor };
}

export interface ResolvedDevice extends DeviceMapping {
  rule: DeviceRule;
}

/** stats the host device: a character or block device, or an error naming the flag */
export async function resolveDevice(d: DeviceMapping): Promise<ResolvedDevice> {
  const st = await stat(d.host).catch((err: unknown) => {
    throw new TsbuildError('usage', 'DEVICE_MISSING', `--device ${d.host}: ${(err as Error).message}`, { cause: err });
  });
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (type === undefined) throw usageError(`--device ${d.host}: not a character or block device`);
  const { major, minor } = splitDevNumber(st.rdev);
  return { ...d, rule: { type, major, minor, access: d.permissions } };
}

/** the devices.deny / devices.allow writes of a v1 devices cgroup, in order */
export function deviceCgroupWrites(privileged: boolean, extra: readonly DeviceRule[]): { file: 'devices.deny' | 'devices.allow'; value: string }[] {
  if (privileged) return [{ file: 'devices.allow', value: 'a *:* rwm' }];
  return [
    { file: 'devices.deny', value: 'a *:* rwm' },
    ...[...DEFAULT_DEVICE_RULES, ...extra].map((r) => ({ file: 'devices.allow' as const, value: ruleText(r) })),
  ];
}
