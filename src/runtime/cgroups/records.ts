// Host-wide records of the cgroups tsbuild made (RUNDIR/cgroups/ID.json:
// the handle and the owning tsbuild process by pid + start time), so the
// next command removes what a killed tsbuild left behind. Synchronous file
// calls: small files on tmpfs, on the start-up path of `tsbuild run`.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isAlive, type ProcessRef } from '../state.js';
import { cgroupRecordsDir } from '../network/run-dir.js';
import { removeCgroup } from './control.js';
import type { CgroupHandle } from './handle.js';
import { replaceFileSync } from '../replace-file.js';

export interface CgroupRecord {
  id: string;
  owner: ProcessRef;
  handle: CgroupHandle;
}

export async function writeCgroupRecord(r: CgroupRecord, dir = cgroupRecordsDir()): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  replaceFileSync(path.join(dir, `${r.id}.json`), JSON.stringify(r) + '\n');
}

export async function dropCgroupRecord(id: string, dir = cgroupRecordsDir()): Promise<void> {
  rmSync(path.join(dir, `${id}.json`), { force: true });
}

export async function readCgroupRecord(id: string, dir = cgroupRecordsDir()): Promise<CgroupRecord | undefined> {
  try {
    return JSON.parse(readFileSync(path.join(dir, `${id}.json`), 'utf8')) as CgroupRecord;
  } catch {
    return undefined;
  }
}

/** removes the cgroups of owners that are gone; returns the ids reclaimed */
export async function reclaimCgroups(dir = cgroupRecordsDir()): Promise<string[]> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    names = [];
  }
  const done: string[] = [];
  for (const n of names) {
    if (!/^[0-9a-f]{64}\.json$/.test(n)) continue;
    const id = n.slice(0, -5);
    const r = await readCgroupRecord(id, dir);
    if (!r || (await isAlive(r.owner))) continue;
    await removeCgroup(r.handle).catch(() => undefined);
    await dropCgroupRecord(id, dir);
    done.push(id);
  }
  return done;
}
