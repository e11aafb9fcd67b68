// Image config + run options → the container spec. PURE: file contents the
// rules need (the image's /etc/passwd and /etc/group, --env-file texts) are
// passed in as strings. Docker's rules throughout (moby daemon/create,
// container/env, runconfig/merge; runc libcontainer/user).
import { TsbuildError } from '../errors.js';
import type { CapabilitySets } from './boxinit-protocol.js';
import { resolveCapabilities } from './capabilities.js';
import { normalizeAbs, type MountOption, type RunOptions, type SeccompChoice } from './run-options.js';
import { resolveUser, type ResolvedUser } from './user.js';

/** The parts of an OCI image config (`config` object) that `run` respects. */
export interface ImageRunConfig {
  User?: string;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  StopSignal?: string;
}

/** Docker's default PATH (moby oci/defaults: DefaultPathEnv for Linux) */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ContainerSpec {
  id: string;
  hostname: string;
  argv: string[];
  env: string[];
  cwd: string;
  user: ResolvedUser;
  mounts: MountOption[];
  readOnly: boolean;
  capabilities: CapabilitySets;
  seccomp: SeccompChoice;
  noNewPrivileges: boolean;
  privileged: boolean;
  tty: boolean;
  interactive: boolean;
  init: boolean;
  /** the signal `stop` would send (the image's StopSignal, default SIGTERM) */
  stopSignal: string;
}

export interface SpecInput {
  /** 64 hex digits */
  id: string;
  /** how the user named the image (or the --rootfs dir), for messages */
  imageName: string;
  image: ImageRunConfig;
  options: RunOptions;
  /** the KEY=VALUE entries of every --env-file, in order (parseEnvFile) */
  envFileEntries?: string[];
  /** the host environment, for `-e KEY` without a value */
  hostEnv?: Record<string, string | undefined>;
  /** the image's /etc/passwd and /etc/group, undefined when missing */
  passwd?: string;
  group?: string;
}

/**
 * Docker's Entrypoint/Cmd rules. `--entrypoint X` replaces the image's
 * Entrypoint and drops the image's Cmd (only the run arguments follow);
 * `--entrypoint ''` clears the Entrypoint and keeps the image's Cmd unless
 * arguments are given; run arguments replace the image's Cmd.
 */
export function resolveArgv(image: ImageRunConfig, entrypointFlag: string | undefined, command: readonly string[]): string[] {
  const imageEntrypoint = image.Entrypoint ?? [];
  const imageCmd = image.Cmd ?? [];
  let entrypoint: readonly string[];
  let cmd: readonly string[];
  if (entrypointFlag !== undefined && entrypointFlag !== '') {
    entrypoint = [entrypointFlag];
    cmd = command;
  } else {
    entrypoint = entrypointFlag === '' ? [] : imageEntrypoint;
    cmd = command.length > 0 ? command : imageCmd;
  }
  return [...entrypoint, ...cmd];
}

function envKey(e: string): string {
  const eq = e.indexOf('=');
  return eq === -1 ? e : e.slice(0, eq);
}

/** Replaces entries with the same key in place, appends new ones (moby's ReplaceOrAppendEnvValues). */
export function replaceOrAppendEnv(base: readonly string[], overrides: readonly string[]): string[] {
  const out = [...base];
  const index = new Map(out.map((e, i) => [envKey(e), i]));
  for (const e of overrides) {
    const k = envKey(e);
    const i = index.get(k);
    if (i === undefined) {
      index.set(k, out.length);
      out.push(e);
    } else out[i] = e;
  }
  return out;
}

/** `-e KEY=VALUE` as given; `-e KEY` takes the host's value, or is dropped when the host has none */
export function expandEnvFlags(values: readonly string[], hostEnv: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v.includes('=')) out.push(v);
    else if (hostEnv[v] !== undefined) out.push(`${v}=${hostEnv[v]}`);
  }
  return out;
}

/**
 * The container's environment: PATH (Docker's default), HOSTNAME, TERM=xterm
 * with -t, then the image's Env, --env-file and -e (later wins per key), then
 * HOME from /etc/passwd when nobody set it.
 */
export function resolveEnv(args: {
  imageEnv: readonly string[];
  userEnv: readonly string[];
  hostname: string;
  tty: boolean;
  home: string;
}): string[] {
  let env = [`PATH=${DEFAULT_PATH}`, `HOSTNAME=${args.hostname}`];
  if (args.tty) env.push('TERM=xterm');
  env = replaceOrAppendEnv(env, args.imageEnv);
  env = replaceOrAppendEnv(env, args.userEnv);
  if (!env.some((e) => envKey(e) === 'HOME')) env.push(`HOME=${args.home}`);
  return env;
}

export function defaultHostname(id: string): string {
  return id.slice(0, 12);
}

export function buildSpec(input: SpecInput): ContainerSpec {
  const { options: o, image } = input;
  if (!/^[0-9a-f]{64}$/.test(input.id)) throw new TsbuildError('internal', 'BAD_CONTAINER_ID', `container id ${input.id} is not 64 hex digits`);
  const argv = resolveArgv(image, o.entrypoint, o.command);
  if (argv.length === 0 || argv[0] === '') {
    throw new TsbuildError('usage', 'NO_COMMAND', `no command specified: ${input.imageName} has no ENTRYPOINT or CMD; give one after the image`);
  }
  const hostname = o.hostname ?? defaultHostname(input.id);
  const userSpec = o.user ?? image.User ?? '';
  const user = resolveUser(userSpec, input.passwd, input.group);
  const hostEnv = input.hostEnv ?? {};
  const userEnv = [...(input.envFileEntries ?? []), ...expandEnvFlags(o.env, hostEnv)];
  const env = resolveEnv({ imageEnv: image.Env ?? [], userEnv, hostname, tty: o.tty, home: user.home || '/' });
  const wd = o.workdir ?? (image.WorkingDir || '/');
  const cwd = normalizeAbs(wd.startsWith('/') ? wd : `/${wd}`);
  const capabilities = resolveCapabilities({ capAdd: o.capAdd, capDrop: o.capDrop, privileged: o.privileged, uid: user.uid });
  return {
    id: input.id,
    hostname,
    argv,
    env,
    cwd,
    user,
    mounts: o.mounts,
    readOnly: o.readOnly,
    capabilities,
    seccomp: o.privileged ? { kind: 'unconfined' } : o.seccomp,
    noNewPrivileges: o.noNewPrivileges,
    privileged: o.privileged,
    tty: o.tty,
    interactive: o.interactive,
    init: o.init,
    stopSignal: image.StopSignal || 'SIGTERM',
  };
}
