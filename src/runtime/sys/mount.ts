// mount(8)/umount(8): pure argv builders plus one call each.
import { execTool } from './exec.js';

export interface MountRequest {
  /** -t TYPE (omit for bind mounts) */
  type?: string;
  source: string;
  target: string;
  /** -o OPTIONS, joined with ',' (already escaped where needed) */
  options?: readonly string[];
  bind?: boolean;
  recursive?: boolean;
}

export function mountArgv(m: MountRequest): string[] {
  const argv: string[] = [];
  if (m.bind) argv.push(m.recursive ? '--rbind' : '--bind');
  else if (m.type) argv.push('-t', m.type);
  if (m.options && m.options.length > 0) argv.push('-o', m.options.join(','));
  argv.push('--', m.source, m.target);
  return argv;
}

export interface UmountRequest {
  target: string;
  /** MNT_DETACH */
  lazy?: boolean;
  recursive?: boolean;
}

export function umountArgv(u: UmountRequest): string[] {
  return [...(u.recursive ? ['-R'] : []), ...(u.lazy ? ['-l'] : []), '--', u.target];
}

export async function mount(m: MountRequest): Promise<void> {
  await execTool('mount', mountArgv(m));
}

export async function umount(u: UmountRequest): Promise<void> {
  await execTool('umount', umountArgv(u));
}
