// Instructions that only change the image config (ENV, LABEL, EXPOSE,
// VOLUME, USER, WORKDIR, CMD, ENTRYPOINT, HEALTHCHECK, STOPSIGNAL, SHELL,
// ONBUILD, MAINTAINER, ARG): the new config and the label shown. Pure.
import path from 'node:path';
import type { ContainerConfig } from '../image/config.js';
import type { CommandLine, Instruction } from '../parser/instructions.js';
import { boxfileError, expand, expandWords, setEnv, type ExpandContext } from './plan-scope.js';

export interface MetaState {
  config: ContainerConfig;
  /** CMD was set in this stage (ENTRYPOINT then keeps it) */
  cmdSet: boolean;
  author?: string;
}

export function defaultShell(config: ContainerConfig): string[] {
  return config.Shell && config.Shell.length > 0 ? config.Shell : ['/bin/sh', '-c'];
}

export function commandArgs(cmd: CommandLine, config: ContainerConfig): string[] {
  return cmd.form === 'exec' ? [...cmd.args] : [...defaultShell(config), cmd.text];
}

export function formatCommand(cmd: CommandLine): string {
  return cmd.form === 'exec' ? JSON.stringify(cmd.args) : cmd.text;
}

/** resolves a WORKDIR/destination path against the current working dir */
export function resolveWorkdir(current: string | undefined, p: string): string {
  const joined = p.startsWith('/') ? path.posix.normalize(p) : path.posix.join(current || '/', p);
  return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
}

/**
 * Applies a config-only instruction. Returns the label shown to the user,
 * or undefined when the instruction is not a config-only one.
 */
export function applyMeta(ins: Instruction, state: MetaState, env: ReadonlyMap<string, string>, cx: ExpandContext): string | undefined {
  const c = state.config;
  const ex = (w: string): string => expand(w, env, cx, ins.range);
  switch (ins.kind) {
    case 'env': {
      // each pair sees the pairs before it on the same line
      const local = new Map(env);
      const shown: string[] = [];
      for (const p of ins.pairs) {
        const v = expand(p.value, local, cx, p.range);
        local.set(p.key, v);
        c.Env = setEnv(c.Env ?? [], p.key, v);
        shown.push(`${p.key}=${v}`);
      }
      return `ENV ${shown.join(' ')}`;
    }
    case 'label': {
      const labels = { ...(c.Labels ?? {}) };
      const shown: string[] = [];
      for (const p of ins.pairs) {
        const k = ex(p.key);
        const v = expand(p.value, env, cx, p.range);
        labels[k] = v;
        shown.push(`${k}=${v}`);
      }
      c.Labels = labels;
      return `LABEL ${shown.join(' ')}`;
    }
    case 'expose': {
      const ports = { ...(c.ExposedPorts ?? {}) };
      const shown: string[] = [];
      for (const w of ins.ports) {
        for (const p of expandWords(w.text, env, cx, w.range)) {
          const spec = p.includes('/') ? p.toLowerCase() : `${p}/tcp`;
          if (!/^\d+(-\d+)?\/(tcp|udp|sctp)$/.test(spec)) throw boxfileError('BAD_PORT', w.range, `EXPOSE: invalid port '${p}'`);
          ports[spec] = {};
          shown.push(p);
        }
      }
      c.ExposedPorts = ports;
      return `EXPOSE ${shown.join(' ')}`;
    }
    case 'volume': {
      const vols = { ...(c.Volumes ?? {}) };
      const shown: string[] = [];
      for (const w of ins.paths) {
        const p = ex(w.text);
        if (p === '') throw boxfileError('BAD_VOLUME', w.range, 'VOLUME: empty path');
        vols[p] = {};
        shown.push(p);
      }
      c.Volumes = vols;
      return `VOLUME ${JSON.stringify(shown)}`;
    }
    case 'user':
      c.User = ex(ins.user.text);
      return `USER ${c.User}`;
    case 'workdir':
      c.WorkingDir = resolveWorkdir(c.WorkingDir, ex(ins.path.text));
      return `WORKDIR ${c.WorkingDir}`;
    case 'cmd':
      c.Cmd = commandArgs(ins.command, c);
      state.cmdSet = true;
      return `CMD ${formatCommand(ins.command)}`;
    case 'entrypoint':
      c.Entrypoint = commandArgs(ins.command, c);
      if (!state.cmdSet) c.Cmd = null;
      return `ENTRYPOINT ${formatCommand(ins.command)}`;
    case 'shell':
      c.Shell = [...ins.shell];
      return `SHELL ${JSON.stringify(ins.shell)}`;
    case 'stopsignal':
      c.StopSignal = ex(ins.signal.text);
      return `STOPSIGNAL ${c.StopSignal}`;
    case 'maintainer':
      state.author = ex(ins.maintainer.text);
      return `MAINTAINER ${state.author}`;
    case 'onbuild':
      c.OnBuild = [...(c.OnBuild ?? []), ins.expression];
      return `ONBUILD ${ins.expression}`;
    case 'healthcheck': {
      if (ins.test.type === 'none') {
        c.Healthcheck = { Test: ['NONE'] };
        return 'HEALTHCHECK NONE';
      }
      const cmd = ins.test.command;
      const hc: NonNullable<ContainerConfig['Healthcheck']> = {
        Test: cmd.form === 'exec' ? ['CMD', ...cmd.args] : ['CMD-SHELL', cmd.text],
      };
      if (ins.interval) hc.Interval = ins.interval.nanoseconds;
      if (ins.timeout) hc.Timeout = ins.timeout.nanoseconds;
      if (ins.startPeriod) hc.StartPeriod = ins.startPeriod.nanoseconds;
      if (ins.startInterval) hc.StartInterval = ins.startInterval.nanoseconds;
      if (ins.retries) hc.Retries = ins.retries.value;
      c.Healthcheck = hc;
      return `HEALTHCHECK ${cmd.form === 'exec' ? 'CMD ' + JSON.stringify(cmd.args) : 'CMD ' + cmd.text}`;
    }
    default:
      return undefined;
  }
}
