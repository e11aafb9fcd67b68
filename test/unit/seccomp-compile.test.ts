import { describe, expect, it } from 'vitest';
import { ALL_CAPABILITIES, capabilityMask, DOCKER_DEFAULT_CAPABILITIES } from '../../src/runtime/capabilities.js';
import {
  actionValue,
  evaluateProfile,
  AUDIT_ARCH_I386,
  AUDIT_ARCH_X86_64,
  CLONE_NAMESPACE_FLAGS,
  compileSeccomp,
  DOCKER_DEFAULT_PROFILE,
  parseSeccompProfile,
  SECCOMP_RET,
  SYSCALLS_X86_64,
} from '../../src/runtime/seccomp/index.js';
import { runSeccomp } from '../helpers/bpf-interpreter.js';

const ALLOW = SECCOMP_RET.ALLOW;
const EPERM = SECCOMP_RET.ERRNO | 1;
const ENOSYS = SECCOMP_RET.ERRNO | 38;
const KILL = SECCOMP_RET.KILL_PROCESS;

const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNS = 0x20000;
const CLONE_NEWNET = 0x40000000;
// what glibc's pthread_create passes to clone
const THREAD_FLAGS = 0x3d0f00;
const FORK_FLAGS = 0x1200011; // CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD

const nr = (name: string): number => {
  const n = SYSCALLS_X86_64[name];
  if (n === undefined) throw new Error(`unknown syscall ${name}`);
  return n;
};

const program = compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities: DOCKER_DEFAULT_CAPABILITIES }).program;
const run = (name: string, args: (number | bigint)[] = [], prog = program, arch = AUDIT_ARCH_X86_64) =>
  runSeccomp(prog, { nr: nr(name), arch, args });

describe('Docker default seccomp profile compiled to BPF (default capabilities)', () => {
  const table: [string, (number | bigint)[], number][] = [
    ['read', [], ALLOW],
    ['write', [], ALLOW],
    ['openat', [], ALLOW],
    ['execve', [], ALLOW],
    ['futex', [], ALLOW],
    ['mmap', [], ALLOW],
    ['setuid', [], ALLOW],
    ['capset', [], ALLOW],
    ['prctl', [], ALLOW],
    ['chroot', [], ALLOW], // CAP_SYS_CHROOT is a default capability
    ['clone', [THREAD_FLAGS], ALLOW],
    ['clone', [FORK_FLAGS], ALLOW],
    ['clone', [FORK_FLAGS | CLONE_NEWUSER], EPERM],
    ['clone', [FORK_FLAGS | CLONE_NEWNS], EPERM],
    ['clone', [CLONE_NEWNET], EPERM],
    ['clone3', [], ENOSYS],
    ['socket', [2 /* AF_INET */], ALLOW],
    ['socket', [1 /* AF_UNIX */], ALLOW],
    ['socket', [40 /* AF_VSOCK */], EPERM],
    ['personality', [0], ALLOW],
    ['personality', [0xffffffff], ALLOW],
    ['personality', [0x0040000 /* ADDR_NO_RANDOMIZE */], EPERM],
    ['arch_prctl', [], ALLOW],
    ['keyctl', [], EPERM],
    ['add_key', [], EPERM],
    ['request_key', [], EPERM],
    ['unshare', [CLONE_NEWUSER], EPERM],
    ['unshare', [0], EPERM],
    ['setns', [], EPERM],
    ['mount', [], EPERM],
    ['umount2', [], EPERM],
    ['open_tree', [], EPERM],
    ['move_mount', [], EPERM],
    ['fsopen', [], EPERM],
    ['fsconfig', [], EPERM],
    ['fsmount', [], EPERM],
    ['fspick', [], EPERM],
    ['mount_setattr', [], EPERM],
    ['bpf', [], EPERM],
    ['perf_event_open', [], EPERM],
    ['kexec_load', [], EPERM],
    ['kexec_file_load', [], EPERM],
    ['reboot', [], EPERM],
    ['swapon', [], EPERM],
    ['swapoff', [], EPERM],
    ['init_module', [], EPERM],
    ['finit_module', [], EPERM],
    ['delete_module', [], EPERM],
    ['ptrace', [], ALLOW], // allowed since kernel 4.8 (minKernel)
    ['userfaultfd', [], EPERM],
    ['sethostname', [], EPERM],
    ['settimeofday', [], EPERM],
    ['iopl', [], EPERM],
    ['open_by_handle_at', [], EPERM],
  ];
  it.each(table)('%s(%s) → %i', (name, args, expected) => {
    expect(run(name, args).toString(16)).toBe(expected.toString(16));
  });

  it('checks the full 64 bits of clone flags', () => {
    expect(run('clone', [BigInt(FORK_FLAGS) | (1n << 40n)])).toBe(ALLOW); // high bits are not namespace flags
    expect(run('clone', [BigInt(CLONE_NEWUSER)])).toBe(EPERM);
  });

  it('kills i386 entry points and x32 syscall numbers', () => {
    expect(runSeccomp(program, { nr: 1, arch: AUDIT_ARCH_I386 })).toBe(KILL);
    expect(runSeccomp(program, { nr: 0x40000000 | nr('read'), arch: AUDIT_ARCH_X86_64 })).toBe(KILL);
    expect(runSeccomp(program, { nr: 0x40000000 | nr('keyctl'), arch: AUDIT_ARCH_X86_64 })).toBe(KILL);
  });

  it('refuses unknown syscall numbers with EPERM', () => {
    expect(runSeccomp(program, { nr: 999, arch: AUDIT_ARCH_X86_64 })).toBe(EPERM);
  });

  it('has a clone flag mask covering exactly the namespace flags', () => {
    expect(CLONE_NAMESPACE_FLAGS).toBe(0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x20000);
  });
});

describe('capability-conditional rules', () => {
  it('CAP_SYS_ADMIN opens the mount family, unshare and clone3', () => {
    const caps = DOCKER_DEFAULT_CAPABILITIES | capabilityMask(['SYS_ADMIN']);
    const p = compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities: caps }).program;
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'clone3', 'fsopen', 'sethostname']) {
      expect(run(name, [], p), name).toBe(ALLOW);
    }
    expect(run('clone', [CLONE_NEWUSER], p)).toBe(ALLOW);
    expect(run('keyctl', [], p)).toBe(EPERM); // never in the profile
  });

  it('without CAP_SYS_CHROOT chroot is refused; --privileged allows modules and reboot', () => {
    const noChroot = compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities: DOCKER_DEFAULT_CAPABILITIES & ~capabilityMask(['SYS_CHROOT']) }).program;
    expect(run('chroot', [], noChroot)).toBe(EPERM);
    const all = compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities: ALL_CAPABILITIES }).program;
    for (const name of ['init_module', 'reboot', 'bpf', 'perf_event_open', 'settimeofday', 'iopl']) expect(run(name, [], all), name).toBe(ALLOW);
  });

  it('honours minKernel', () => {
    const old = compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities: DOCKER_DEFAULT_CAPABILITIES, kernel: '4.4.0' }).program;
    expect(run('ptrace', [], old)).toBe(EPERM);
  });
});

describe('profile files in Docker JSON format', () => {
  it('compiles a custom profile with every comparison operator', () => {
    const profile = parseSeccompProfile(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ALLOW',
        syscalls: [
          { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
          { names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 100, op: 'SCMP_CMP_GT' }] },
          { names: ['write'], action: 'SCMP_ACT_KILL_PROCESS', args: [{ index: 2, value: 10, op: 'SCMP_CMP_LE' }] },
          { names: ['close'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 3, op: 'SCMP_CMP_GE' }, { index: 1, value: 7, op: 'SCMP_CMP_LT' }] },
          { names: ['ioctl'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 0xff00, valueTwo: 0x5400, op: 'SCMP_CMP_MASKED_EQ' }] },
          { names: ['no_such_syscall'], action: 'SCMP_ACT_ERRNO' },
        ],
      }),
      'custom.json',
    );
    const c = compileSeccomp(profile, { capabilities: 0n });
    expect(c.ignored).toEqual(['no_such_syscall']);
    const p = c.program;
    expect(run('mkdir', [], p)).toBe(SECCOMP_RET.ERRNO | 13);
    expect(run('read', [101], p)).toBe(EPERM);
    expect(run('read', [100], p)).toBe(ALLOW);
    expect(run('read', [1n << 33n], p)).toBe(EPERM);
    expect(run('write', [1, 0, 10], p)).toBe(KILL);
    expect(run('write', [1, 0, 11], p)).toBe(ALLOW);
    expect(run('close', [3, 6], p)).toBe(EPERM);
    expect(run('close', [3, 7], p)).toBe(ALLOW);
    expect(run('close', [2, 0], p)).toBe(ALLOW);
    expect(run('ioctl', [0, 0x5401], p)).toBe(EPERM);
    expect(run('ioctl', [0, 0x8901], p)).toBe(ALLOW);
    expect(run('getpid', [], p)).toBe(ALLOW);
  });

  it('rejects malformed profiles naming the file', () => {
    expect(() => parseSeccompProfile('{', 'x.json')).toThrow(/x\.json/);
    expect(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_NOPE"}', 'y.json')).toThrow(/defaultAction/);
    expect(() =>
      parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":9,"value":1,"op":"SCMP_CMP_EQ"}]}]}', 'z.json'),
    ).toThrow(/index/);
  });

  it('the default program is well within the kernel limit', () => {
    expect(program.length / 8).toBeLessThan(4096);
    expect(program.length % 8).toBe(0);
  });
});

describe('the BPF program agrees with the profile for every x86_64 syscall', () => {
  // a direct reading of the rules: conditional rules first, in order; then an unconditional one; else the default
  function reference(profile: typeof DOCKER_DEFAULT_PROFILE, caps: bigint, name: string, args: bigint[]): number {
    const rules = evaluateProfile(profile, { capabilities: caps }).filter((r) => r.name === name);
    const ordered = [...rules.filter((r) => r.args.length > 0), ...rules.filter((r) => r.args.length === 0)];
    for (const r of ordered) {
      const ok = r.args.every((c) => {
        const v = args[c.index] ?? 0n;
        const k = BigInt(c.value);
        switch (c.op) {
          case 'SCMP_CMP_EQ': return v === k;
          case 'SCMP_CMP_NE': return v !== k;
          case 'SCMP_CMP_GT': return v > k;
          case 'SCMP_CMP_GE': return v >= k;
          case 'SCMP_CMP_LT': return v < k;
          case 'SCMP_CMP_LE': return v <= k;
          case 'SCMP_CMP_MASKED_EQ': return (v & k) === BigInt(c.valueTwo ?? 0);
        }
      });
      if (ok) return actionValue(r.action, r.errnoRet, profile.defaultErrnoRet);
    }
    return actionValue(profile.defaultAction, profile.defaultErrnoRet, profile.defaultErrnoRet);
  }

  const capSets: [string, bigint][] = [
    ['default', DOCKER_DEFAULT_CAPABILITIES],
    ['none', 0n],
    ['all', ALL_CAPABILITIES],
  ];
  const argSets: bigint[][] = [[], [0x10000000n], [40n], [8n], [0x7e020000n], [0xffffffffn]];
  it.each(capSets)('capabilities %s', (_label, caps) => {
    const p = compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities: caps }).program;
    let checked = 0;
    for (const [name, n] of Object.entries(SYSCALLS_X86_64)) {
      for (const args of argSets) {
        const got = runSeccomp(p, { nr: n, arch: AUDIT_ARCH_X86_64, args });
        expect(got.toString(16), `${name}(${args.join(',')})`).toBe(reference(DOCKER_DEFAULT_PROFILE, caps, name, args).toString(16));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300 * argSets.length);
    for (const n of [335, 463, 500, 1000, 0x3fffffff]) expect(runSeccomp(p, { nr: n, arch: AUDIT_ARCH_X86_64 })).toBe(EPERM);
  });
});
