// `exec -u NAME[:GROUP]`: the name is looked up in the container's own
// /etc/passwd and /etc/group (as runc does for the process it starts), read
// from the running container's root (/proc/PID1/root) with every path
// component resolved inside that root (scoped-path.ts) and the file opened
// with O_NOFOLLOW, so no link of the container's leads the read onto the host.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { resolveUser, type ResolvedUser } from '../user.js';
import { resolveInRoot } from './scoped-path.js';

const MAX_BYTES = 4 << 20;

/** a regular file of the container, or undefined when it is missing */
export function readContainerFile(root: string, containerPath: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(resolveInRoot(root, containerPath), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_BYTES) return undefined;
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** -u USER[:GROUP] → ids, from the passwd and group files of the running container with this PID 1 (exec.ts runningPid1) */
export function execUser(pid1: number, spec: string): ResolvedUser {
  const root = `/proc/${pid1}/root`;
  return resolveUser(spec, readContainerFile(root, '/etc/passwd'), readContainerFile(root, '/etc/group'), 'container');
}
