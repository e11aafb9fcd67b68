// Following a container's log file (`logs -f`, `start -a`): what is appended
// after a given point, until the container and its monitor are gone. The
// container's liveness is read before the file each round, so the last round
// sees everything the container wrote.
import { isAlive } from '../state.js';
import { readLogFile, type LogEntry } from './log-file.js';
import { viewOf } from './lookup.js';

export interface LogPoint {
  entries: LogEntry[];
  size: number;
}

export async function followLog(root: string, id: string, file: string, from: LogPoint, write: (e: LogEntry) => void): Promise<void> {
  let { entries, size } = from;
  for (;;) {
    const cur = await viewOf(root, id);
    const live = cur !== undefined && (cur.running || (cur.record?.detached === true && (await isAlive(cur.state.owner))));
    const next = readLogFile(file);
    if (next.size > size) {
      for (const e of next.entries.slice(entries.length)) write(e);
      ({ entries, size } = next);
    }
    if (!live) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
