// Compiles a seccomp profile (Docker's JSON shape) to a classic BPF program
// for x86_64: the architecture check first (i386 entry points and x32 syscall
// numbers are killed: they would otherwise reach the kernel under numbers the
// filter does not check), then per syscall its alternatives (argument checks
// ANDed within one rule, rules ORed), then the default action. Pure.
import { TsbuildError } from '../../errors.js';
import { Assembler, AUDIT_ARCH_X86_64, DATA, encodeProgram, SECCOMP_RET } from './bpf.js';
import type { EffectiveRule, SeccompAction, SeccompArg, SeccompProfile } from './profile.js';
import { evaluateProfile } from './profile.js';
import { SYSCALLS_X86_64, X32_SYSCALL_BIT } from './syscalls-x86-64.js';

const EPERM = 1;

export function actionValue(action: SeccompAction, errnoRet: number | undefined, defaultErrno = EPERM): number {
  switch (action) {
    case 'SCMP_ACT_ALLOW':
      return SECCOMP_RET.ALLOW;
    case 'SCMP_ACT_ERRNO':
      return (SECCOMP_RET.ERRNO | ((errnoRet ?? defaultErrno) & 0xffff)) >>> 0;
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SECCOMP_RET.KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SECCOMP_RET.KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SECCOMP_RET.TRAP;
    case 'SCMP_ACT_TRACE':
      return (SECCOMP_RET.TRACE | ((errnoRet ?? 0) & 0xffff)) >>> 0;
    case 'SCMP_ACT_LOG':
      return SECCOMP_RET.LOG;
  }
}

const split = (v: number | bigint): [hi: number, lo: number] => {
  const b = BigInt.asUintN(64, BigInt(v));
  return [Number(b >> 32n), Number(b & 0xffffffffn)];
};

/** Emits code that falls through when the condition holds and jumps to `fail` otherwise. */
function emitArg(a: Assembler, arg: SeccompArg, fail: string): void {
  const ok = a.fresh('ok');
  const [vhi, vlo] = split(arg.op === 'SCMP_CMP_MASKED_EQ' ? (arg.valueTwo ?? 0) : arg.value);
  const hi = DATA.argHi(arg.index);
  const lo = DATA.argLo(arg.index);
  switch (arg.op) {
    case 'SCMP_CMP_EQ':
      a.ld(hi);
      a.jeq(vhi, 0, fail);
      a.ld(lo);
      a.jeq(vlo, 0, fail);
      break;
    case 'SCMP_CMP_NE':
      a.ld(hi);
      a.jeq(vhi, 0, ok);
      a.ld(lo);
      a.jeq(vlo, fail, ok);
      break;
    case 'SCMP_CMP_MASKED_EQ': {
      const [mhi, mlo] = split(arg.value);
      a.ld(hi);
      a.and(mhi);
      a.jeq(vhi, 0, fail);
      a.ld(lo);
      a.and(mlo);
      a.jeq(vlo, 0, fail);
      break;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      a.ld(hi);
      a.jgt(vhi, ok, 0);
      a.jeq(vhi, 0, fail);
      a.ld(lo);
      if (arg.op === 'SCMP_CMP_GT') a.jgt(vlo, ok, fail);
      else a.jge(vlo, ok, fail);
      break;
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE':
      a.ld(hi);
      a.jgt(vhi, fail, 0);
      a.jeq(vhi, 0, ok);
      a.ld(lo);
      if (arg.op === 'SCMP_CMP_LT') a.jge(vlo, fail, ok);
      else a.jgt(vlo, fail, ok);
      break;
    default:
      throw new TsbuildError('usage', 'SECCOMP_PROFILE', `unsupported seccomp operator ${String(arg.op)}`);
  }
  a.label(ok);
}

export interface CompileOptions {
  /** the container's bounding set: decides the capability-conditional rules */
  capabilities: bigint;
  /** kernel release for minKernel (default: all pass) */
  kernel?: string;
}

export interface CompiledSeccomp {
  program: Uint8Array;
  /** syscall names of the profile unknown on x86_64 (ignored, as libseccomp does) */
  ignored: string[];
}

/** Compiles a profile to a BPF program for x86_64. */
export function compileSeccomp(profile: SeccompProfile, o: CompileOptions): CompiledSeccomp {
  const rules = evaluateProfile(profile, o);
  const defaultRet = actionValue(profile.defaultAction, profile.defaultErrnoRet, profile.defaultErrnoRet ?? EPERM);
  const byNr = new Map<number, EffectiveRule[]>();
  const ignored = new Set<string>();
  for (const r of rules) {
    const nr = SYSCALLS_X86_64[r.name];
    if (nr === undefined) {
      ignored.add(r.name);
      continue;
    }
    const list = byNr.get(nr) ?? [];
    list.push(r);
    byNr.set(nr, list);
  }
  const a = new Assembler();
  // architecture: only native x86_64 syscalls get through
  a.ld(DATA.arch);
  a.jeq(AUDIT_ARCH_X86_64, 1, 0);
  a.ret(SECCOMP_RET.KILL_PROCESS);
  a.ld(DATA.nr);
  a.jge(X32_SYSCALL_BIT, 0, 1);
  a.ret(SECCOMP_RET.KILL_PROCESS);
  const numbers = [...byNr.keys()].sort((x, y) => x - y);
  // one block per syscall number: falls through (A = nr) when it is not this one
  const emitBlock = (nr: number): void => {
    const list = byNr.get(nr) ?? [];
    // conditional rules first; an unconditional rule ends the list
    const sorted = [...list.filter((r) => r.args.length > 0), ...list.filter((r) => r.args.length === 0).slice(0, 1)];
    const first = sorted[0];
    if (sorted.length === 1 && first !== undefined && first.args.length === 0) {
      a.jeq(nr, 0, 1);
      a.ret(actionValue(first.action, first.errnoRet, profile.defaultErrnoRet ?? EPERM));
      return;
    }
    const next = a.fresh('next');
    const body = a.fresh('body');
    a.jeq(nr, body, 0);
    a.ja(next);
    a.label(body);
    for (const r of sorted) {
      const alt = a.fresh('alt');
      for (const arg of r.args) emitArg(a, arg, alt);
      a.ret(actionValue(r.action, r.errnoRet, profile.defaultErrnoRet ?? EPERM));
      a.label(alt);
    }
    a.ret(defaultRet); // no rule matched the arguments
    a.label(next);
  };
  // a binary search over the sorted numbers (A = nr throughout), linear in small leaves:
  // about a dozen instructions per syscall instead of hundreds
  const emitRange = (lo: number, hi: number): void => {
    if (hi - lo <= 6) {
      for (let i = lo; i < hi; i++) emitBlock(numbers[i]!);
      a.ret(defaultRet);
      return;
    }
    const mid = (lo + hi) >> 1;
    const right = a.fresh('right');
    a.jge(numbers[mid]!, 0, 1);
    a.ja(right);
    emitRange(lo, mid);
    a.label(right);
    emitRange(mid, hi);
  };
  emitRange(0, numbers.length);
  return { program: encodeProgram(a.finish()), ignored: [...ignored].sort() };
}

/** Docker's default profile for a container with these capabilities. */
export async function compileDefaultSeccomp(capabilities: bigint, kernel?: string): Promise<Uint8Array> {
  const { DOCKER_DEFAULT_PROFILE } = await import('./default-profile.js');
  return compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities, kernel }).program;
}
