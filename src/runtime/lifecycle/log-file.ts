// Container logs as JSON lines, one object per line of output:
// {"log":"text\n","stream":"stdout"|"stderr","time":"RFC3339 with ns"} —
// the shape of Docker's json-file driver. A writer per stream keeps its
// partial line until the newline (or the end) arrives.
import { appendFileSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';

export type LogStream = 'stdout' | 'stderr';

export interface LogEntry {
  log: string;
  stream: LogStream;
  time: string;
}

export function logLine(stream: LogStream, text: string, time: Date): string {
  return JSON.stringify({ log: text, stream, time: time.toISOString() }) + '\n';
}

/** splits a chunk into complete lines (with their '\n') and the rest */
export function splitLines(pending: string, chunk: string): { lines: string[]; rest: string } {
  const text = pending + chunk;
  const lines: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  return { lines, rest: text.slice(start) };
}

/** a Writable that appends the stream's lines to FILE (synchronously: ordered across streams) */
export function logWriter(file: string, stream: LogStream): Writable {
  let pending = '';
  const flush = (lines: string[]) => {
    if (lines.length === 0) return;
    const now = new Date();
    appendFileSync(file, lines.map((l) => logLine(stream, l, now)).join(''));
  };
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const { lines, rest } = splitLines(pending, chunk.toString('utf8'));
      pending = rest;
      flush(lines);
      cb();
    },
    final(cb) {
      if (pending !== '') flush([pending]);
      pending = '';
      cb();
    },
  });
}

export function parseLogText(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      /* a line cut by a crash */
    }
  }
  return out;
}

export function readLogFile(file: string): { entries: LogEntry[]; size: number } {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return { entries: [], size: 0 };
  }
  // only complete lines: a line being written is read on the next poll
  const end = buf.lastIndexOf(0x0a) + 1;
  return { entries: parseLogText(buf.subarray(0, end).toString('utf8')), size: end };
}

export function formatEntry(e: LogEntry, timestamps: boolean): string {
  return timestamps ? `${e.time} ${e.log}` : e.log;
}

export function tail<T>(items: T[], n: number | undefined): T[] {
  if (n === undefined || n < 0) return items;
  return n === 0 ? [] : items.slice(-n);
}
