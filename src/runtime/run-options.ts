// The flags of `tsbuild run` → typed RunOptions. Pure: no file is read here
// (an --env-file's text is read by the command and parsed by parseEnvFile).
// Every usage error names the flag the user gave.
import type { FlagSpec, ParsedArgs } from '../cli/args.js';
import { flagBool, flagList, flagString } from '../cli/args.js';
import { usageError } from '../errors.js';
import { resourceFlags, toResourceLimits, type ResourceLimits } from './cgroups/limits.js'; // limits: cgroups
import { networkFlags, toNetworkOptions, type NetworkOptions } from './network/options.js'; // limits: network

export const runFlags: readonly FlagSpec[] = [
  { name: 'rm', kind: 'bool', description: 'remove the container when it exits' },
  { name: 'name', kind: 'string', value: 'NAME', description: 'a name for the container' },
  { name: 'env', short: 'e', kind: 'list', value: 'KEY[=VALUE]', description: 'set an environment variable' },
  { name: 'env-file', kind: 'list', value: 'FILE', description: 'read environment variables from a file' },
  { name: 'workdir', short: 'w', kind: 'string', value: 'DIR', description: 'working directory inside the container' },
  { name: 'user', short: 'u', kind: 'string', value: 'USER[:GROUP]', description: 'user name or uid, and group name or gid' },
  { name: 'entrypoint', kind: 'string', value: 'CMD', description: "override the image's ENTRYPOINT ('' clears it)" },
  { name: 'hostname', kind: 'string', value: 'NAME', description: 'container host name' },
  { name: 'volume', short: 'v', kind: 'list', value: 'HOST:CTR[:ro]', description: 'bind mount a host path' },
  { name: 'mount', kind: 'list', value: 'type=bind|tmpfs,…', description: 'attach a mount' },
  { name: 'tmpfs', kind: 'list', value: 'DIR[:OPTS]', description: 'mount a tmpfs' },
  { name: 'read-only', kind: 'bool', description: 'mount the root filesystem read-only' },
  { name: 'cap-add', kind: 'list', value: 'CAP', description: 'add a capability (ALL for all)' },
  { name: 'cap-drop', kind: 'list', value: 'CAP', description: 'drop a capability (ALL for all)' },
  { name: 'privileged', kind: 'bool', description: 'all capabilities, no seccomp, no masked paths' },
  { name: 'security-opt', kind: 'list', value: 'OPT', description: 'seccomp=unconfined|FILE.json, no-new-privileges' },
  { name: 'interactive', short: 'i', kind: 'bool', description: 'keep stdin open (otherwise /dev/null)' },
  { name: 'tty', short: 't', kind: 'bool', description: 'allocate a pseudo-terminal' },
  { name: 'init', kind: 'bool', description: 'run an init as PID 1 that reaps and forwards signals' },
  { name: 'storage-driver', kind: 'string', value: 'overlay|vfs', description: 'how the root filesystem is made' },
  { name: 'rootfs', kind: 'string', value: 'DIR', description: 'run a plain directory as the root filesystem (no IMAGE)' },
  ...resourceFlags, // limits: cgroups
  ...networkFlags, // limits: network
];

export type StorageDriver = 'overlay' | 'vfs';

export interface BindMountOption {
  type: 'bind';
  source: string;
  target: string;
  readonly: boolean;
  /** the flag it came from, for messages */
  flag: string;
}

export interface TmpfsMountOption {
  type: 'tmpfs';
  target: string;
  /** mount options, e.g. ['nosuid','nodev','size=65536k','mode=1777'] */
  options: string[];
  flag: string;
}

export type MountOption = BindMountOption | TmpfsMountOption;

export type SeccompChoice = { kind: 'default' } | { kind: 'unconfined' } | { kind: 'file'; path: string };

export interface RunOptions {
  /** image reference; undefined with --rootfs */
  image: string | undefined;
  rootfs: string | undefined;
  /** the COMMAND [ARG…] after IMAGE; empty means the image's Cmd */
  command: string[];
  rm: boolean;
  name: string | undefined;
  /** -e values in order, as given (KEY=VALUE or KEY) */
  env: string[];
  envFiles: string[];
  workdir: string | undefined;
  user: string | undefined;
  /** undefined: keep the image's; '' clears it */
  entrypoint: string | undefined;
  hostname: string | undefined;
  mounts: MountOption[];
  readOnly: boolean;
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  seccomp: SeccompChoice;
  noNewPrivileges: boolean;
  interactive: boolean;
  tty: boolean;
  init: boolean;
  storageDriver: StorageDriver;
  /** --memory, --cpus, … (src/runtime/cgroups) */
  resources?: ResourceLimits;
  /** --network, -p, -P (src/runtime/network) */
  network?: NetworkOptions;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const HOSTNAME_RE = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function toRunOptions(args: ParsedArgs): RunOptions {
  const rootfs = flagString(args, 'rootfs');
  const positionals = [...args.positionals];
  let image: string | undefined;
  if (rootfs === undefined) {
    image = positionals.shift();
    if (image === undefined || image === '') throw usageError('run needs an IMAGE (or --rootfs DIR): tsbuild run [OPTIONS] IMAGE [COMMAND [ARG…]]');
  } else if (!rootfs.startsWith('/')) {
    throw usageError(`--rootfs ${rootfs}: the root filesystem must be an absolute path`);
  }

  const name = flagString(args, 'name');
  if (name !== undefined && !NAME_RE.test(name)) throw usageError(`--name ${JSON.stringify(name)}: names use [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  const hostname = flagString(args, 'hostname');
  if (hostname !== undefined && (hostname.length > 64 || !HOSTNAME_RE.test(hostname))) {
    throw usageError(`--hostname ${JSON.stringify(hostname)}: not a valid host name (letters, digits, '-', '.', at most 64)`);
  }
  const workdir = flagString(args, 'workdir');
  if (workdir !== undefined && !workdir.startsWith('/')) throw usageError(`--workdir ${workdir}: the working directory must be an absolute path`);
  for (const e of flagList(args, 'env')) {
    const key = e.split('=', 1)[0] as string;
    if (key === '') throw usageError(`--env ${JSON.stringify(e)}: the variable name is empty`);
  }
  const user = flagString(args, 'user');
  if (user !== undefined && (user === '' || /^:|:$/.test(user) || user.split(':').length > 2)) {
    throw usageError(`--user ${JSON.stringify(user)}: expected USER[:GROUP] (names or numeric ids)`);
  }

  const mounts: MountOption[] = [
    ...flagList(args, 'volume').map(parseVolume),
    ...flagList(args, 'mount').map(parseMount),
    ...flagList(args, 'tmpfs').map(parseTmpfs),
  ];
  const seen = new Map<string, string>();
  for (const m of mounts) {
    const prev = seen.get(m.target);
    if (prev) throw usageError(`${m.flag}: duplicate mount point ${m.target} (also in ${prev})`);
    seen.set(m.target, m.flag);
  }

  const sec = parseSecurityOpts(flagList(args, 'security-opt'));
  const driver = flagString(args, 'storage-driver') ?? 'overlay';
  if (driver !== 'overlay' && driver !== 'vfs') throw usageError(`--storage-driver ${driver}: use overlay or vfs`);
  for (const flag of ['cap-add', 'cap-drop'] as const) {
    for (const c of flagList(args, flag)) {
      if (!/^(CAP_)?[A-Za-z_]+$/.test(c)) throw usageError(`--${flag} ${JSON.stringify(c)}: not a capability name`);
    }
  }

  return {
    image,
    rootfs,
    command: positionals,
    rm: flagBool(args, 'rm'),
    name,
    env: flagList(args, 'env'),
    envFiles: flagList(args, 'env-file'),
    workdir,
    user,
    entrypoint: flagString(args, 'entrypoint'),
    hostname,
    mounts,
    readOnly: flagBool(args, 'read-only'),
    capAdd: flagList(args, 'cap-add'),
    capDrop: flagList(args, 'cap-drop'),
    privileged: flagBool(args, 'privileged'),
    seccomp: sec.seccomp,
    noNewPrivileges: sec.noNewPrivileges,
    interactive: flagBool(args, 'interactive'),
    tty: flagBool(args, 'tty'),
    init: flagBool(args, 'init'),
    storageDriver: driver,
    resources: toResourceLimits(args), // limits: cgroups
    network: toNetworkOptions(args), // limits: network
  };
}

function checkTarget(flag: string, target: string): string {
  if (!target.startsWith('/')) throw usageError(`${flag}: the container path ${JSON.stringify(target)} must be absolute`);
  const norm = normalizeAbs(target);
  if (norm === '/') throw usageError(`${flag}: cannot mount over the container's /`);
  return norm;
}

/** collapses //, . and .. of an absolute path without touching the disk */
export function normalizeAbs(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

/** -v HOST:CTR[:ro|rw] */
export function parseVolume(value: string): BindMountOption {
  const flag = `-v ${value}`;
  const parts = value.split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw usageError(`${flag}: expected HOST:CONTAINER[:ro] (named and anonymous volumes are not supported)`);
  }
  const [source, target, mode] = parts as [string, string, string | undefined];
  if (!source.startsWith('/')) throw usageError(`${flag}: the host path ${JSON.stringify(source)} must be absolute (named volumes are not supported)`);
  let readonly = false;
  if (mode !== undefined) {
    for (const m of mode.split(',')) {
      if (m === 'ro') readonly = true;
      else if (m === 'rw') readonly = false;
      else throw usageError(`${flag}: unknown volume option ${JSON.stringify(m)} (use ro or rw)`);
    }
  }
  return { type: 'bind', source, target: checkTarget(flag, target), readonly, flag };
}

function boolValue(flag: string, key: string, v: string | undefined): boolean {
  if (v === undefined || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw usageError(`${flag}: ${key} takes true or false, not ${JSON.stringify(v)}`);
}

/** --mount type=bind|tmpfs,source=…,target=…,readonly,tmpfs-size=…,tmpfs-mode=… */
export function parseMount(value: string): MountOption {
  const flag = `--mount ${value}`;
  const kv = new Map<string, string | undefined>();
  for (const field of value.split(',')) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).trim().toLowerCase();
    const v = eq === -1 ? undefined : field.slice(eq + 1);
    const canon = { src: 'source', dst: 'target', destination: 'target', ro: 'readonly' }[key] ?? key;
    if (kv.has(canon)) throw usageError(`${flag}: ${key} given twice`);
    kv.set(canon, v);
  }
  const type = kv.get('type') ?? 'volume';
  const target = kv.get('target');
  if (!target) throw usageError(`${flag}: target= is required`);
  const allowed = type === 'bind' ? ['type', 'source', 'target', 'readonly', 'bind-propagation'] : ['type', 'target', 'readonly', 'tmpfs-size', 'tmpfs-mode'];
  for (const k of kv.keys()) if (!allowed.includes(k)) throw usageError(`${flag}: unknown option ${k} for type=${type}`);
  if (type === 'bind') {
    const source = kv.get('source');
    if (!source) throw usageError(`${flag}: source= is required for type=bind`);
    if (!source.startsWith('/')) throw usageError(`${flag}: the source ${JSON.stringify(source)} must be an absolute host path`);
    const prop = kv.get('bind-propagation');
    if (prop !== undefined && prop !== 'rprivate' && prop !== 'private') throw usageError(`${flag}: only bind-propagation=rprivate is supported`);
    return { type: 'bind', source, target: checkTarget(flag, target), readonly: kv.has('readonly') && boolValue(flag, 'readonly', kv.get('readonly')), flag };
  }
  if (type === 'tmpfs') {
    const options = ['nosuid', 'nodev'];
    if (kv.has('readonly') && boolValue(flag, 'readonly', kv.get('readonly'))) options.push('ro');
    const size = kv.get('tmpfs-size');
    if (size !== undefined) options.push(`size=${tmpfsSize(flag, size)}`);
    const mode = kv.get('tmpfs-mode');
    if (mode !== undefined) {
      if (!/^[0-7]{1,4}$/.test(mode)) throw usageError(`${flag}: tmpfs-mode must be octal, not ${JSON.stringify(mode)}`);
      options.push(`mode=${mode}`);
    }
    return { type: 'tmpfs', target: checkTarget(flag, target), options, flag };
  }
  throw usageError(`${flag}: type=${type} is not supported (use bind or tmpfs)`);
}

function tmpfsSize(flag: string, v: string): string {
  const m = /^(\d+)([kmg]?)b?$/i.exec(v);
  if (!m) throw usageError(`${flag}: tmpfs-size ${JSON.stringify(v)} is not a size (e.g. 64m)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] as string).toLowerCase()] as number;
  return String(Number(m[1]) * mult);
}

const TMPFS_OPTS = /^(ro|rw|exec|noexec|suid|nosuid|dev|nodev|size=\d+[kmg%]?|mode=[0-7]{1,4}|uid=\d+|gid=\d+|nr_inodes=\d+[kmg]?)$/;

/** --tmpfs /path[:opt,opt…]; Docker's defaults are noexec,nosuid,nodev */
export function parseTmpfs(value: string): TmpfsMountOption {
  const flag = `--tmpfs ${value}`;
  const colon = value.indexOf(':');
  const target = colon === -1 ? value : value.slice(0, colon);
  const given = colon === -1 ? [] : value.slice(colon + 1).split(',').filter((o) => o !== '');
  for (const o of given) if (!TMPFS_OPTS.test(o)) throw usageError(`${flag}: unknown tmpfs option ${JSON.stringify(o)}`);
  const options = ['noexec', 'nosuid', 'nodev'].filter((d) => !given.includes(d.slice(2)) && !given.includes(d));
  return { type: 'tmpfs', target: checkTarget(flag, target), options: [...options, ...given], flag };
}

export function parseSecurityOpts(values: readonly string[]): { seccomp: SeccompChoice; noNewPrivileges: boolean } {
  let seccomp: SeccompChoice = { kind: 'default' };
  let noNewPrivileges = false;
  for (const v of values) {
    const flag = `--security-opt ${v}`;
    const sep = v.search(/[=:]/);
    const key = sep === -1 ? v : v.slice(0, sep);
    const val = sep === -1 ? undefined : v.slice(sep + 1);
    if (key === 'no-new-privileges') noNewPrivileges = boolValue(flag, key, val);
    else if (key === 'seccomp') {
      if (!val) throw usageError(`${flag}: use seccomp=unconfined or seccomp=FILE.json`);
      seccomp = val === 'unconfined' ? { kind: 'unconfined' } : { kind: 'file', path: val };
    } else if (key === 'apparmor' || key === 'label') {
      // no LSM on this runtime: accepted and ignored only when disabling it
      if (val !== 'unconfined' && val !== 'disable') throw usageError(`${flag}: ${key} is not supported (no LSM)`);
    } else throw usageError(`${flag}: unknown security option (use seccomp=… or no-new-privileges)`);
  }
  return { seccomp, noNewPrivileges };
}

/** The text of an --env-file: KEY=VALUE lines, '#' comments, blank lines; KEY alone takes the host's value. */
export function parseEnvFile(file: string, text: string, hostEnv: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq === -1 ? line.trimEnd() : line.slice(0, eq);
    if (key === '' || /\s/.test(key)) throw usageError(`--env-file ${file}:${i + 1}: ${JSON.stringify(key)} is not a variable name`);
    if (eq !== -1) out.push(line);
    else if (hostEnv[key] !== undefined) out.push(`${key}=${hostEnv[key]}`);
  });
  return out;
}
