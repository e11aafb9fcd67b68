// `tsbuild exec`: a new process in a running container, through the same
// helper. nsenter joins the container's namespaces but the mount namespace
// (with --no-fork, so the pid namespace applies to boxinit's children); then
// `boxinit --exec --mount-ns /proc/PID/ns/mnt` joins the mount namespace
// itself (nsenter would exec boxinit's host path inside the container, where
// it does not exist), forks
// the process into the container's pid namespace and stays as its parent
// (forwards signals, exits with its status or 128+n) while the child applies
// the same working-directory check, user, capabilities, no_new_privs and
// seccomp as `run` and execs the command. Same fds as `run` (see
// boxinit-protocol.ts): config on fd 3, report on fd 4 (first line: the host
// pid of the new process; EOF once it exec'd).
// Exec only into a container that has started (its own report reached EOF):
// before its pivot_root, its mount namespace still shows the host's tree.
import { TsbuildError } from '../errors.js';
import { boxinitPath, processRecords, record, type BoxinitProcess, type Namespace } from './boxinit-protocol.js';

export interface BoxinitExecConfig extends BoxinitProcess {
  /** host pid of the container's PID 1 (its namespaces are joined) */
  targetPid: number;
  /** the container's namespaces (those it was created with) */
  namespaces: readonly Namespace[];
  /** the container's cgroup.procs files, joined first */
  cgroupProcs: string[];
}

const nsenterFlag: Record<Namespace, string> = {
  pid: '--pid',
  mount: '--mount',
  uts: '--uts',
  ipc: '--ipc',
  net: '--net',
  cgroup: '--cgroup',
};

export function encodeBoxinitExecConfig(c: BoxinitExecConfig): Buffer {
  return Buffer.concat([record('version', '1'), ...processRecords(c), record('end', '')]);
}

/** argv for an exec into a running container; argv[0] is the program. */
export function boxinitExecArgv(
  c: Pick<BoxinitExecConfig, 'targetPid' | 'namespaces' | 'cgroupProcs'>,
  o: { boxinit?: string; nsenter?: string } = {},
): string[] {
  if (!Number.isInteger(c.targetPid) || c.targetPid <= 1) {
    throw new TsbuildError('runtime', 'BOXINIT_CONFIG', `cannot exec into pid ${c.targetPid}`);
  }
  if (!c.namespaces.includes('mount') || !c.namespaces.includes('pid')) {
    throw new TsbuildError('runtime', 'BOXINIT_CONFIG', 'exec needs the container pid and mount namespaces');
  }
  const boxinit = o.boxinit ?? boxinitPath();
  const nsenter = [
    o.nsenter ?? 'nsenter',
    `--target=${c.targetPid}`,
    ...c.namespaces.filter((n) => n !== 'mount').map((n) => nsenterFlag[n]),
    '--no-fork',
    '--',
    boxinit,
    '--exec',
    '--mount-ns',
    `/proc/${c.targetPid}/ns/mnt`,
  ];
  if (c.cgroupProcs.length === 0) return nsenter;
  const stage1 = [boxinit];
  for (const p of c.cgroupProcs) stage1.push('--join-cgroup', p);
  return [...stage1, '--', ...nsenter];
}
