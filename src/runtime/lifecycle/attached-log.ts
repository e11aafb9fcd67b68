// An attached run that keeps its container (no --rm) logs its output as a
// detached one does (ROOT/containers/<id>/ctr.log, log-file.ts), so that
// `logs` shows it after the container exited, as Docker's json-file driver
// does: each stream goes to the caller and to the log (with -t, what the pty
// shows, as stdout). The container's output then reaches the caller through
// tsbuild (a pipe) instead of the caller's own fd. `run --rm` keeps the
// direct path.
import path from 'node:path';
import { Writable } from 'node:stream';
import { logWriter } from './log-file.js';
import { LOG_FILE } from './monitor.js';

type Out = NodeJS.WritableStream & { isTTY?: boolean };

export interface LoggedStdio {
  stdout: Out;
  stderr: Out;
  /** ends the log writers (a last partial line is written) */
  close(): Promise<void>;
}

export function teeToLog(dir: string, stdout: Out, stderr: Out): LoggedStdio {
  const file = path.join(dir, LOG_FILE);
  const logs: { log: Writable; ok: boolean }[] = [];
  const tee = (to: Out, stream: 'stdout' | 'stderr'): Out => {
    // a container whose dir is gone (never started, removed by rm -f): its output is only shown
    const entry = { log: logWriter(file, stream), ok: true };
    entry.log.on('error', () => (entry.ok = false));
    logs.push(entry);
    return new Writable({
      write(chunk: Buffer, _enc, cb) {
        to.write(chunk);
        try {
          if (entry.ok) entry.log.write(chunk);
        } catch {
          entry.ok = false;
        }
        cb();
      },
    });
  };
  const close = (e: { log: Writable; ok: boolean }) =>
    new Promise<void>((resolve) => {
      if (!e.ok) {
        e.log.destroy();
        return resolve();
      }
      e.log.once('error', () => resolve());
      try {
        e.log.end(() => resolve());
      } catch {
        e.log.destroy();
        resolve();
      }
    });
  return {
    stdout: tee(stdout, 'stdout'),
    stderr: tee(stderr, 'stderr'),
    close: async () => {
      await Promise.all(logs.map(close));
    },
  };
}
