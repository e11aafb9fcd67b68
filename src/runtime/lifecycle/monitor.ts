// The monitor of a detached container (`tsbuild __monitor`): runs the
// container through the attached life cycle with the container's output going
// to ROOT/containers/<id>/ctr.log, records the life-cycle facts (record.ts),
// and stays until the container ends (its port proxies live here too). It is
// the container's owner in state.json: when it is killed, the next command
// reconciles (reclaim.ts, the cgroup and network records).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CommandContext } from '../../cli/command.js';
import { containerDir, processRef } from '../state.js';
import type { LifecycleHooks } from './hooks.js';
import { logWriter } from './log-file.js';
import { execTemplate, updateRecord, writeRecord } from './record.js';
import { overlayLowers } from './overlay-lowers.js';

export const LOG_FILE = 'ctr.log';

export type RunContainer = (ctx: CommandContext, argv: string[], hooks: LifecycleHooks) => Promise<number>;

export async function runMonitor(ctx: CommandContext, id: string, runArgv: string[], runContainer: RunContainer): Promise<number> {
  const dir = containerDir(ctx.root, id);
  const logFile = path.join(dir, LOG_FILE);
  const stdout = logWriter(logFile, 'stdout');
  const stderr = logWriter(logFile, 'stderr');
  const stdin = Readable.from([]);
  const monitor = await processRef(process.pid);
  const hooks: LifecycleHooks = {
    id,
    async attached({ spec, config, network, cgroup }) {
      writeRecord(dir, {
        version: 1,
        detached: true,
        monitor,
        argv: [...spec.argv],
        hostname: spec.hostname,
        stopSignal: spec.stopSignal,
        network: { mode: network.mode, ...(network.ip ? { ip: network.ip } : {}), ...(network.gateway ? { gateway: network.gateway } : {}), ports: network.ports },
        cgroup: cgroup.handle,
        exec: execTemplate(config),
        ...(config.rootfs.kind === 'overlay' ? { lowers: overlayLowers(config.rootfs.options, config.rootfs.baseDir) } : {}),
      });
    },
    running() {
      updateRecord(dir, { startedAt: new Date().toISOString() });
    },
  };
  // before the container exists, failures go to our own stderr (the caller shows it)
  const status = await runContainer({ ...ctx, stdin, stdout, stderr }, runArgv, hooks);
  await Promise.all([new Promise((r) => stdout.end(r)), new Promise((r) => stderr.end(r))]);
  if (existsSync(dir)) updateRecord(dir, { finishedAt: new Date().toISOString() });
  return status;
}
