// Gates for tests that need the real kernel: `describe.skipIf(!!why)` with
// the reason printed, so a skip is always visible and never counted as a pass.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export type Requirement = 'root' | 'overlay' | 'unshare' | 'cc' | 'podman' | 'skopeo' | 'busybox' | 'registry';

const commandFor: Partial<Record<Requirement, string>> = {
  unshare: 'unshare',
  cc: 'cc',
  podman: 'podman',
  skopeo: 'skopeo',
  registry: 'docker-registry',
};

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function check(req: Requirement): string | undefined {
  switch (req) {
    case 'root':
      return process.getuid?.() === 0 ? undefined : 'needs root';
    case 'overlay':
      return readFileSync('/proc/filesystems', 'utf8').includes('overlay') ? undefined : 'needs overlayfs';
    case 'busybox':
      return existsSync('/bin/busybox') ? undefined : 'needs /bin/busybox (apt-get install busybox-static)';
    default: {
      const cmd = commandFor[req] as string;
      return has(cmd) ? undefined : `needs '${cmd}' on PATH`;
    }
  }
}

/** Returns the reason the requirements are not met, or undefined. */
export function missing(...reqs: Requirement[]): string | undefined {
  const reasons = reqs.map(check).filter((r): r is string => r !== undefined);
  if (reasons.length === 0) return undefined;
  const why = reasons.join(', ');
  console.warn(`SKIP: ${why}`);
  return why;
}
