// `run -d`: start a monitor — a detached tsbuild process (`tsbuild __monitor`)
// that runs the container attached to itself, writes its output to the log,
// keeps its port proxies and records its exit — and return once the
// container's PID 1 runs (its ports are bound before that). The monitor holds
// none of our stdio: stdin is /dev/null, its own output goes to a file that
// is shown when the start fails.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FlagSpec } from '../../cli/args.js';
import type { CommandContext } from '../../cli/command.js';
import { TsbuildError } from '../../errors.js';
import { newContainerId } from '../container.js';
import { containerDir, containersDir, readState } from '../state.js';
import { readLogFile } from './log-file.js';
import { LOG_FILE } from './monitor.js';
import { readRecord } from './record.js';
import { deferExtraCa } from '../../net/extra-ca.js';

export const lifecycleRunFlags: readonly FlagSpec[] = [
  { name: 'detach', short: 'd', kind: 'bool', description: 'run in the background and print the container ID' },
];

/** argv that starts this tsbuild again (source through tsx, or the bundle) */
export function selfCommand(): { argv: string[]; cwd: string } {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith('.ts')) {
    const repo = path.resolve(path.dirname(self), '../../..');
    return { argv: [process.execPath, '--import', 'tsx', path.join(repo, 'src/cli/main.ts')], cwd: repo };
  }
  for (let dir = path.dirname(self); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const entry = path.join(dir, 'tsbuild.js');
    if (existsSync(entry)) return { argv: [process.execPath, entry], cwd: dir };
  }
  throw new TsbuildError('internal', 'NO_ENTRY', `cannot find the tsbuild entry point from ${self}`);
}

export function monitorArgv(root: string, id: string, cwd: string, runArgv: readonly string[], again = false): string[] {
  return ['--root', root, '__monitor', '--id', id, '--cwd', cwd, ...(again ? ['--again'] : []), '--', ...runArgv];
}

const START_TIMEOUT_MS = 120_000;

export async function runDetached(ctx: CommandContext, runArgv: readonly string[]): Promise<number> {
  const id = newContainerId();
  const status = await startMonitor(ctx, id, runArgv, ctx.cwd, false);
  if (status === 0) ctx.stdout.write(`${id}\n`);
  return status;
}

/**
 * Starts the monitor of container ID (a new one, or with `again` an existing
 * stopped one whose record has no `startedAt`) and returns once the
 * container's command runs: 0, or the status of a start that failed.
 */
export async function startMonitor(ctx: CommandContext, id: string, runArgv: readonly string[], cwd: string, again: boolean): Promise<number> {
  mkdirSync(containersDir(ctx.root), { recursive: true, mode: 0o700 });
  const outFile = path.join(containersDir(ctx.root), `.monitor-${id}.log`);
  const fd = openSync(outFile, 'w', 0o600);
  const self = selfCommand();
  const [program, ...args] = self.argv;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  try {
    const child = spawn(program as string, [...args, ...monitorArgv(ctx.root, id, cwd, runArgv, again)], {
      cwd: self.cwd,
      // a node child: started, like bin/tsbuild starts node, without loading extra CAs
      env: deferExtraCa(ctx.env),
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.on('error', (e) => (spawnError = e));
    child.on('exit', (code, signal) => (exited = { code, signal }));
    closeSync(fd);
    const dir = containerDir(ctx.root, id);
    const until = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (readRecord(dir)?.startedAt) break;
      if (spawnError) throw new TsbuildError('runtime', 'MONITOR_FAILED', `cannot start the monitor: ${[program, ...args].join(' ')}: ${spawnError.message}`);
      if (exited) {
        // a --rm container that ran and went already: it did start
        if (exited.code === 0 && !existsSync(dir)) break;
        ctx.stderr.write(readFileSync(outFile, 'utf8'));
        // what the container itself said (e.g. the command was not found)
        for (const e of readLogFile(path.join(dir, LOG_FILE)).entries) (e.stream === 'stderr' ? ctx.stderr : ctx.stdout).write(e.log);
        const state = await readState(dir);
        // (again: state.json may still hold the last run's status; the monitor exits with the new one)
        return (again ? undefined : state?.exitStatus) ?? (exited.code && exited.code !== 0 ? exited.code : 125);
      }
      if (Date.now() > until) {
        child.kill('SIGKILL');
        throw new TsbuildError('runtime', 'START_TIMEOUT', `container ${id.slice(0, 12)} did not start within ${START_TIMEOUT_MS / 1000} s`);
      }
      await new Promise((r) => setTimeout(r, 15));
    }
    child.unref();
    return 0;
  } finally {
    rmSync(outFile, { force: true });
  }
}
