// Where the cgroup hierarchies are and where tsbuild itself sits in them.
// Pure parsers of /proc/self/cgroup and /proc/self/mountinfo, and the one
// decision: cgroup v2 only when /sys/fs/cgroup ITSELF is a cgroup2 mount
// (a hybrid host — v1 controllers plus /sys/fs/cgroup/unified — uses v1).
import path from 'node:path';
import { TsbuildError } from '../../errors.js';

export const CGROUP_BASE = '/sys/fs/cgroup';

/** the v1 controllers tsbuild manages (when mounted) */
export const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'devices', 'freezer', 'blkio'] as const;

export interface ProcCgroupLine {
  id: number;
  /** [] for the v2 line ("0::/path"); "name=systemd" kept as is */
  controllers: string[];
  path: string;
}

export function parseProcCgroup(text: string): ProcCgroupLine[] {
  const out: ProcCgroupLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    out.push({ id: Number(m[1]), controllers: m[2] === '' ? [] : (m[2] as string).split(','), path: m[3] as string });
  }
  return out;
}

export interface CgroupMount {
  mountPoint: string;
  /** the cgroup path mounted there (not "/" inside a cgroup namespace) */
  root: string;
  fstype: 'cgroup' | 'cgroup2';
  /** v1: the super options (controllers, name=…) */
  options: string[];
}

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep === -1) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const fstype = right[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    out.push({
      mountPoint: unescapeMountinfo(left[4] ?? ''),
      root: unescapeMountinfo(left[3] ?? '/'),
      fstype,
      options: (right[2] ?? '').split(','),
    });
  }
  return out;
}

export interface V1Hierarchy {
  /** e.g. ['cpu'] or ['cpu','cpuacct'] when co-mounted */
  controllers: string[];
  mountPoint: string;
  /** host directory of the cgroup tsbuild runs in */
  selfDir: string;
}

export type CgroupLayout =
  | { version: 1; hierarchies: V1Hierarchy[] }
  | { version: 2; mountPoint: string; selfDir: string };

/** the host dir of cgroup PATH under a mount whose root is ROOT */
function dirFor(mount: CgroupMount, cgPath: string): string | undefined {
  const root = mount.root === '/' ? '' : mount.root;
  if (root !== '' && cgPath !== root && !cgPath.startsWith(`${root}/`)) return undefined;
  return path.join(mount.mountPoint, cgPath.slice(root.length)).replace(/(.)\/+$/, '$1');
}

/** Decides v1 or v2 and finds tsbuild's own cgroup in each hierarchy. */
export function detectLayout(procSelfCgroup: string, mountinfo: string, base = CGROUP_BASE): CgroupLayout {
  const lines = parseProcCgroup(procSelfCgroup);
  const mounts = parseCgroupMounts(mountinfo);
  const atBase = mounts.filter((m) => m.mountPoint === base).at(-1);
  if (atBase?.fstype === 'cgroup2') {
    const self = lines.find((l) => l.id === 0 && l.controllers.length === 0);
    const selfDir = self && dirFor(atBase, self.path);
    if (!selfDir) throw new TsbuildError('runtime', 'CGROUP_SELF', `cannot find tsbuild's own cgroup v2 path (/proc/self/cgroup: ${JSON.stringify(procSelfCgroup.trim())})`);
    return { version: 2, mountPoint: base, selfDir };
  }
  const hierarchies: V1Hierarchy[] = [];
  for (const line of lines) {
    const wanted = line.controllers.filter((c) => (V1_CONTROLLERS as readonly string[]).includes(c));
    if (wanted.length === 0) continue;
    const mount = mounts.find((m) => m.fstype === 'cgroup' && line.controllers.every((c) => m.options.includes(c)) && m.mountPoint.startsWith(`${base}/`));
    if (!mount) continue;
    const selfDir = dirFor(mount, line.path);
    if (!selfDir) continue;
    hierarchies.push({ controllers: line.controllers, mountPoint: mount.mountPoint, selfDir });
  }
  if (hierarchies.length === 0) throw new TsbuildError('runtime', 'CGROUP_NONE', `no cgroup v1 controller is mounted under ${base} and ${base} is not cgroup2`);
  return { version: 1, hierarchies };
}
