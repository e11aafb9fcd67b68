// Replacing a small file whole (a container's state and life-cycle record,
// cgroup records, the network state, a kept exit status, a cached seccomp
// program): write a temp file beside it (named by pid: one writer per
// process), then rename it over the file, so a reader sees the old bytes or
// the new. No fsync: these describe containers and host state that a crash
// ends anyway (reclaim.ts). Synchronous: the run path's start-up counts.
import { renameSync, writeFileSync } from 'node:fs';

export function replaceFileSync(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, file);
}
