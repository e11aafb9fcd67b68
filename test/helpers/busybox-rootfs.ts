// Builds the busybox test root filesystem (fixtures/busybox-rootfs.sh) in a
// fresh temp dir. Needs root (chroot) and /bin/busybox.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/busybox-rootfs.sh');

export interface BusyboxRootfs {
  dir: string;
  /** the tar of the rootfs, when asked for */
  tar?: string;
  cleanup(): void;
}

export function makeBusyboxRootfs(options: { tar?: boolean } = {}): BusyboxRootfs {
  const base = mkdtempSync(path.join(tmpdir(), 'tsbuild-busybox-'));
  const dir = path.join(base, 'rootfs');
  const tar = options.tar ? path.join(base, 'rootfs.tar') : undefined;
  execFileSync('bash', [script, dir, ...(tar ? [tar] : [])], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { dir, tar, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
