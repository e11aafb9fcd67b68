// Writer sessions make `prune` safe next to live writers. A process that
// writes blobs, temp files or unpacked layers first registers itself in
// ROOT/locks/writers/ (pid, process start time, wall-clock start in ms).
// `prune` deletes an unreferenced file only if it is older than the oldest
// live session, so a blob written a moment ago and not yet tagged survives;
// sessions of dead processes are ignored and removed.
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { ownerAlive, parseOwner, selfOwner } from './lock.js';

export interface SessionRecord {
  file: string;
  pid: number;
  start: string;
  startedAtMs: number;
  alive: boolean;
}

export class WriterSession {
  private constructor(readonly file: string) {}

  static async register(dir: string): Promise<WriterSession> {
    await mkdir(dir, { recursive: true });
    const o = selfOwner();
    const file = path.join(dir, `${o.pid}-${o.start}-${Date.now()}`);
    await writeFileAtomic(file, `${o.pid} ${o.start}\n${Date.now()}\n`);
    return new WriterSession(file);
  }

  async end(): Promise<void> {
    await unlink(this.file).catch(() => undefined);
  }
}

export async function listSessions(dir: string): Promise<SessionRecord[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: SessionRecord[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const file = path.join(dir, name);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const [ownerLine = '', msLine = '0'] = text.split('\n');
    const owner = parseOwner(ownerLine);
    out.push({ file, pid: owner?.pid ?? 0, start: owner?.start ?? '', startedAtMs: Number(msLine) || 0, alive: ownerAlive(owner) });
  }
  return out;
}
