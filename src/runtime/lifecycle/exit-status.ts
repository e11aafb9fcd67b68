// A detached --rm container is gone, dir and all, the moment it ends; its
// exit status stays behind for a minute in ROOT/containers/.exit-ID, so that
// `wait` and `start -a`, which may ask just then, still answer with it
// (Docker answers them from its daemon's memory). reclaimStale sweeps the
// files older than that.
import { readFileSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { replaceFileSync } from '../replace-file.js';

export const EXIT_STATUS_KEEP_MS = 60_000;

/** the file for the container whose dir is `dir` (ROOT/containers/ID) */
function fileFor(dir: string): string {
  return path.join(path.dirname(dir), `.exit-${path.basename(dir)}`);
}

export function keepExitStatus(dir: string, status: number): void {
  try {
    replaceFileSync(fileFor(dir), `${status}\n`);
  } catch {
    /* only `wait` of a removed container answers less: 0 */
  }
}

export function keptExitStatus(dir: string): number | undefined {
  try {
    const n = Number(readFileSync(fileFor(dir), 'utf8').trim());
    return Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** removes the files older than EXIT_STATUS_KEEP_MS among `names`, the listing of ROOT/containers */
export function sweepExitStatuses(containers: string, names: readonly string[], now = Date.now()): void {
  for (const n of names) {
    if (!n.startsWith('.exit-')) continue;
    const p = path.join(containers, n);
    try {
      if (now - statSync(p).mtimeMs > EXIT_STATUS_KEEP_MS) unlinkSync(p);
    } catch {
      /* gone meanwhile */
    }
  }
}
