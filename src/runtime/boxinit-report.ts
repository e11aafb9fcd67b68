// What boxinit writes on its report fd (see boxinit-protocol.ts): JSON lines,
// the host pid of the new process first, then a failing step if any.
import os from 'node:os';
import { TsbuildError } from '../errors.js';

/** exit status of boxinit when a setup step failed (the report says which) */
export const BOXINIT_FAILED_STATUS = 125;

export interface BoxinitFailure {
  stage: string;
  errno: number;
  message: string;
}

export interface BoxinitReport {
  /** host pid of the container's PID 1, once reported */
  pid?: number;
  /** the failing step, if any */
  failure?: BoxinitFailure;
  /** the failure as the error to show, if any (code BOXINIT_<STAGE>) */
  error?: TsbuildError;
  /** for a failure: the exit status `run` should pass on (127 not found, 126 not executable, else 125) */
  exitStatus?: number;
}

const errnoNames: Record<number, string> = {};
for (const [name, num] of Object.entries(os.constants.errno)) errnoNames[num] = name;

/** strerror-like text for an errno number */
export function errnoText(errno: number): string {
  const name = errnoNames[errno];
  const text: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EINVAL: 'invalid argument',
    ENOTDIR: 'not a directory',
    EEXIST: 'file exists',
    EBUSY: 'device or resource busy',
    ENOEXEC: 'exec format error',
    ELOOP: 'too many levels of symbolic links',
    ENOSPC: 'no space left on device',
    ENODEV: 'no such device',
    ENOSYS: 'function not implemented',
    EROFS: 'read-only file system',
  };
  if (name === undefined) return `errno ${errno}`;
  return text[name] ? `${text[name]} (${name})` : name;
}

/** Parses what boxinit wrote on REPORT_FD (complete or partial lines). */
export function parseBoxinitReport(bytes: Uint8Array | string): BoxinitReport {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  const report: BoxinitReport = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      continue; // a line cut short by a crash: ignore it
    }
    if (typeof obj !== 'object' || obj === null) continue;
    const o = obj as Record<string, unknown>;
    if (o.event === 'pid' && typeof o.pid === 'number') report.pid = o.pid;
    if (typeof o.stage === 'string' && report.failure === undefined) {
      const failure: BoxinitFailure = {
        stage: o.stage,
        errno: typeof o.errno === 'number' ? o.errno : 0,
        message: typeof o.message === 'string' ? o.message : '',
      };
      report.failure = failure;
      const code = `BOXINIT_${failure.stage.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
      const cause = failure.errno !== 0 ? `: ${errnoText(failure.errno)}` : '';
      const message =
        failure.stage === 'exec' ? failure.message : `container setup failed at ${failure.stage}: ${failure.message}${cause}`;
      report.error = new TsbuildError('runtime', code, message, {
        details: [`boxinit stage ${failure.stage}, errno ${failure.errno}`],
      });
      report.exitStatus =
        failure.stage === 'exec' ? (failure.errno === 2 || failure.errno === 20 ? 127 : 126) : BOXINIT_FAILED_STATUS;
    }
  }
  return report;
}
