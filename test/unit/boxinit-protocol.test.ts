import { describe, expect, it } from 'vitest';
import {
  BOXINIT_FAILED_STATUS,
  boxinitArgv,
  DEFAULT_NAMESPACES,
  encodeBoxinitConfig,
  encodeWindowSize,
  parseBoxinitReport,
  toolPath,
  type BoxinitConfig,
} from '../../src/runtime/boxinit-protocol.js';
import { resolveCapabilities } from '../../src/runtime/capabilities.js';
import { boxinitExecArgv, encodeBoxinitExecConfig } from '../../src/runtime/boxinit-exec.js';

const config = (over: Partial<BoxinitConfig> = {}): BoxinitConfig => ({
  rootfs: { kind: 'overlay', target: '/store/c/1/merged', options: 'lowerdir=/store/l/a,upperdir=/store/c/1/upper,workdir=/store/c/1/work' },
  mounts: [{ type: 'bind', source: '/host/data', destination: '/data', options: ['rbind', 'ro'] }],
  maskedPaths: ['/proc/kcore'],
  readonlyPaths: ['/proc/sys'],
  sysfsReadonly: true,
  hostname: 'abc',
  files: { hosts: '/store/c/1/hosts' },
  readonlyRoot: true,
  cwd: '/app',
  argv: ['/bin/sh', '-c', 'echo "a b"'],
  env: ['PATH=/bin', 'X=1'],
  uid: 1000,
  gid: 100,
  additionalGids: [10, 20],
  capabilities: resolveCapabilities({ uid: 1000 }),
  noNewPrivileges: true,
  seccomp: new Uint8Array(16),
  tty: { rows: 24, cols: 80 },
  init: true,
  cgroupProcs: [],
  namespaces: DEFAULT_NAMESPACES,
  ...over,
});

/** decodes the record stream the way boxinit reads it */
function decode(buf: Buffer): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  let off = 0;
  while (off < buf.length) {
    const len = buf.readUInt32LE(off);
    const rec = buf.subarray(off + 4, off + 4 + len);
    const nul = rec.indexOf(0);
    out.push([rec.subarray(0, nul).toString(), rec.subarray(nul + 1)]);
    off += 4 + len;
  }
  expect(off).toBe(buf.length);
  return out;
}

describe('encodeBoxinitConfig', () => {
  it('writes version first, end last, and every field as length-prefixed records', () => {
    const recs = decode(encodeBoxinitConfig(config()));
    const keys = recs.map(([k]) => k);
    expect(keys[0]).toBe('version');
    expect(keys.at(-1)).toBe('end');
    const get = (k: string) => recs.filter(([key]) => key === k).map(([, v]) => v.toString('latin1'));
    expect(get('rootfs')).toEqual(['overlay\0/store/c/1/merged\0lowerdir=/store/l/a,upperdir=/store/c/1/upper,workdir=/store/c/1/work']);
    expect(get('mount')).toEqual(['bind\0/host/data\0/data\0rbind,ro']);
    expect(get('arg')).toEqual(['/bin/sh', '-c', 'echo "a b"']);
    expect(get('env')).toEqual(['PATH=/bin', 'X=1']);
    expect(get('group')).toEqual(['10', '20']);
    expect(get('uid')).toEqual(['1000']);
    expect(get('cap_bounding')).toEqual(['a80425fb']);
    expect(get('cap_effective')).toEqual(['0']);
    expect(get('file')).toEqual(['/etc/hosts\0/store/c/1/hosts']);
    expect(get('readonly_root')).toEqual(['1']);
    expect(get('no_new_privs')).toEqual(['1']);
    expect(get('tty')).toEqual(['24 80']);
    expect(get('init')).toEqual(['1']);
    expect(get('seccomp')[0]).toHaveLength(16);
  });

  it('refuses NUL bytes, relative paths, bad ids and empty commands', () => {
    expect(() => encodeBoxinitConfig(config({ argv: ['a\0b'] }))).toThrow(/NUL/);
    expect(() => encodeBoxinitConfig(config({ cwd: 'app' }))).toThrow(/absolute/);
    expect(() => encodeBoxinitConfig(config({ uid: -1 }))).toThrow(/uid/);
    expect(() => encodeBoxinitConfig(config({ argv: [] }))).toThrow(/no command/);
    expect(() => encodeBoxinitConfig(config({ seccomp: new Uint8Array(7) }))).toThrow(/seccomp/);
    expect(() => encodeBoxinitConfig(config({ mounts: [{ type: 'tmpfs', source: '', destination: 'rel', options: [] }] }))).toThrow(/absolute/);
  });

  it('encodes window sizes as records too', () => {
    expect(decode(encodeWindowSize(30, 100))).toEqual([['winsize', Buffer.from('30 100')]]);
  });
});

describe('boxinitArgv', () => {
  const tools = { boxinit: '/b', unshare: 'unshare', nsenter: 'nsenter' };

  it('runs unshare straight into boxinit stage 2 when no cgroup is to be joined', () => {
    expect(boxinitArgv(config(), tools)).toEqual([
      'unshare', '--pid', '--mount', '--uts', '--ipc', '--net', '--cgroup', '--propagation', 'private', '--', '/b', '--stage2',
    ]);
  });

  it('joins cgroups first (stage 1), and a network namespace through nsenter', () => {
    expect(boxinitArgv(config({ cgroupProcs: ['/sys/fs/cgroup/pids/tsbuild/x/cgroup.procs'], netnsPath: '/run/netns/x' }), tools)).toEqual([
      '/b', '--join-cgroup', '/sys/fs/cgroup/pids/tsbuild/x/cgroup.procs', '--',
      'nsenter', '--net=/run/netns/x', '--',
      'unshare', '--pid', '--mount', '--uts', '--ipc', '--cgroup', '--propagation', 'private', '--', '/b', '--stage2',
    ]);
  });

  it('needs new pid and mount namespaces', () => {
    expect(() => boxinitArgv(config({ namespaces: ['mount', 'net'] }), { boxinit: '/b' })).toThrow(/pid and mount/);
  });

  it('hands boxinit the tools by absolute path (system directories before PATH), found once', () => {
    const argv = boxinitArgv(config({ netnsPath: '/run/netns/x' }), { boxinit: '/b' });
    const nsenter = argv[0] as string;
    const unshare = argv[3] as string;
    expect(nsenter).toMatch(/^\/(usr\/)?s?bin\/nsenter$/);
    expect(unshare).toMatch(/^\/(usr\/)?s?bin\/unshare$/);
    expect(toolPath('unshare', { PATH: '/nowhere' })).toBe(unshare);
    expect(toolPath('tsbuild-no-such-tool', { PATH: '/nowhere' })).toBe('tsbuild-no-such-tool');
  });
});

describe('parseBoxinitReport', () => {
  it('reads the pid and no failure from a clean start', () => {
    expect(parseBoxinitReport('{"event":"pid","pid":4242}\n')).toEqual({ pid: 4242 });
  });

  it('turns a failure into a runtime error with the stage, message and errno text', () => {
    const r = parseBoxinitReport('{"event":"pid","pid":7}\n{"stage":"cwd","errno":20,"message":"working directory /etc/passwd/x"}\n');
    expect(r.pid).toBe(7);
    expect(r.failure).toEqual({ stage: 'cwd', errno: 20, message: 'working directory /etc/passwd/x' });
    expect(r.error?.code).toBe('BOXINIT_CWD');
    expect(r.error?.category).toBe('runtime');
    expect(r.error?.message).toBe('container setup failed at cwd: working directory /etc/passwd/x: not a directory (ENOTDIR)');
    expect(r.exitStatus).toBe(BOXINIT_FAILED_STATUS);
  });

  it('maps exec failures to 127 (not found) and 126 (not executable) with the message as is', () => {
    const nf = parseBoxinitReport('{"stage":"exec","errno":2,"message":"exec: foo: not found"}\n');
    expect(nf.exitStatus).toBe(127);
    expect(nf.error?.message).toBe('exec: foo: not found');
    expect(parseBoxinitReport('{"stage":"exec","errno":13,"message":"exec: /etc/passwd: permission denied"}').exitStatus).toBe(126);
  });

  it('ignores a line cut short and keeps the first failure', () => {
    const r = parseBoxinitReport('{"stage":"mount","errno":2,"message":"a"}\n{"stage":"exec","errno":2,"message":"b"}\n{"stage":"x');
    expect(r.failure?.stage).toBe('mount');
  });
});

describe('boxinit --exec', () => {
  it('enters every namespace but mount through nsenter --no-fork; boxinit joins the mount namespace', () => {
    expect(boxinitExecArgv({ targetPid: 4321, namespaces: DEFAULT_NAMESPACES, cgroupProcs: [] }, { boxinit: '/b' })).toEqual([
      'nsenter', '--target=4321', '--pid', '--uts', '--ipc', '--net', '--cgroup', '--no-fork', '--', '/b', '--exec', '--mount-ns', '/proc/4321/ns/mnt',
    ]);
    expect(boxinitExecArgv({ targetPid: 4321, namespaces: DEFAULT_NAMESPACES, cgroupProcs: ['/cg/cgroup.procs'] }, { boxinit: '/b' }).slice(0, 5)).toEqual([
      '/b', '--join-cgroup', '/cg/cgroup.procs', '--', 'nsenter',
    ]);
    expect(() => boxinitExecArgv({ targetPid: 1, namespaces: DEFAULT_NAMESPACES, cgroupProcs: [] }, { boxinit: '/b' })).toThrow(/pid 1/);
  });

  it('encodes only the process part', () => {
    const c = config();
    const keys = decode(encodeBoxinitExecConfig({ ...c, targetPid: 9 })).map(([k]) => k);
    expect(keys[0]).toBe('version');
    expect(keys.at(-1)).toBe('end');
    expect(keys).toContain('arg');
    expect(keys).toContain('seccomp');
    expect(keys).not.toContain('rootfs');
    expect(keys).not.toContain('mount');
    expect(keys).not.toContain('init');
  });
});
