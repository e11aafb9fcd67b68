// An attached run that keeps its container (no --rm, no -t) logs its output
// as a detached one does (ROOT/containers/<id>/ctr.log, log-file.ts), so that
// `logs` shows it after the container exited, as Docker's json-file driver
// does: each stream goes to the caller and to the log. The container's
// output then reaches the caller through tsbuild (a pipe) instead of the
// caller's own fd. `run --rm` and `-t` runs keep their direct path.
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
  const logs: Writable[] = [];
  const tee = (to: Out, stream: 'stdout' | 'stderr'): Out => {
    const log = logWriter(file, stream);
    // a container that never started has no dir: nothing to log then
    log.on('error', () => undefined);
    logs.push(log);
    return new Writable({
      write(chunk: Buffer, _enc, cb) {
        to.write(chunk);
        if (!log.destroyed) log.write(chunk);
        cb();
      },
    });
  };
  return {
    stdout: tee(stdout, 'stdout'),
    stderr: tee(stderr, 'stderr'),
    close: async () => {
      await Promise.all(logs.map((l) => (l.destroyed ? undefined : new Promise((r) => l.end(r)))));
    },
  };
}
