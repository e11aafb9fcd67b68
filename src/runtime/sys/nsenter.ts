// nsenter(1): join a running container's namespaces (pure argv + one call).
import { execTool, type ExecOptions, type ExecResult } from './exec.js';

export type NsKind = 'mount' | 'uts' | 'ipc' | 'net' | 'pid' | 'cgroup' | 'user';

export interface NsenterRequest {
  /** host pid of a process in the namespaces (the container's PID 1) */
  target: number;
  namespaces: readonly NsKind[];
  /** set the root and working directory to the target's */
  rootAndCwd?: boolean;
  command: readonly string[];
}

export function nsenterArgv(r: NsenterRequest): string[] {
  if (!Number.isInteger(r.target) || r.target <= 0) throw new RangeError(`nsenter: bad target pid ${r.target}`);
  if (r.command.length === 0) throw new RangeError('nsenter: no command');
  const argv = ['--target', String(r.target)];
  for (const ns of r.namespaces) argv.push(`--${ns}`);
  if (r.rootAndCwd) argv.push('--root', '--wd');
  argv.push('--', ...r.command);
  return argv;
}

export async function nsenter(r: NsenterRequest, options: ExecOptions = {}): Promise<ExecResult> {
  return execTool('nsenter', nsenterArgv(r), options);
}
