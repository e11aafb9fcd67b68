// Seccomp profiles in Docker's JSON format (moby profiles/seccomp), and their
// evaluation for one container: which rules apply on x86_64 given the
// container's capabilities and the kernel version. Pure.
import { TsbuildError } from '../../errors.js';
import { capabilityBit } from '../capabilities.js';

export type SeccompAction =
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_LOG';

export type SeccompOp =
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_MASKED_EQ';

export interface SeccompArg {
  index: number;
  /** for MASKED_EQ: the mask */
  value: number | bigint;
  /** for MASKED_EQ: the expected value of (arg & mask) */
  valueTwo?: number | bigint;
  op: SeccompOp;
}

export interface SeccompFilterCondition {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface SeccompRule {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[] | null;
  includes?: SeccompFilterCondition;
  excludes?: SeccompFilterCondition;
  comment?: string;
}

export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  syscalls: SeccompRule[];
}

/** A rule as it applies to this container: one syscall name, conditions ANDed. */
export interface EffectiveRule {
  name: string;
  action: SeccompAction;
  errnoRet?: number;
  args: SeccompArg[];
}

export interface EvaluateOptions {
  /** the container's bounding set (includes/excludes.caps are checked against it) */
  capabilities: bigint;
  /** running kernel release, e.g. "6.1.0" (minKernel); default: every minKernel passes */
  kernel?: string;
}

/** Docker's names for this architecture in includes/excludes.arches */
const OUR_ARCHES = ['amd64', 'x86_64', 'SCMP_ARCH_X86_64'];

function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (s: string) => s.split(/[.-]/).slice(0, 2).map((x) => Number.parseInt(x, 10) || 0);
  const [a = 0, b = 0] = parse(kernel);
  const [c = 0, d = 0] = parse(min);
  return a > c || (a === c && b >= d);
}

function hasAll(caps: bigint, names: string[]): boolean {
  return names.every((n) => {
    const bit = capabilityBit(n);
    return bit !== undefined && ((caps >> BigInt(bit)) & 1n) === 1n;
  });
}

function hasAny(caps: bigint, names: string[]): boolean {
  return names.some((n) => hasAll(caps, [n]));
}

/** The rules of a profile that apply to this container, one per syscall name. */
export function evaluateProfile(profile: SeccompProfile, o: EvaluateOptions): EffectiveRule[] {
  const out: EffectiveRule[] = [];
  for (const rule of profile.syscalls) {
    const inc = rule.includes ?? {};
    const exc = rule.excludes ?? {};
    if (inc.caps && inc.caps.length > 0 && !hasAll(o.capabilities, inc.caps)) continue;
    if (inc.arches && inc.arches.length > 0 && !inc.arches.some((a) => OUR_ARCHES.includes(a))) continue;
    if (inc.minKernel && o.kernel && !kernelAtLeast(o.kernel, inc.minKernel)) continue;
    if (exc.caps && hasAny(o.capabilities, exc.caps)) continue;
    if (exc.arches && exc.arches.some((a) => OUR_ARCHES.includes(a))) continue;
    for (const name of rule.names) {
      out.push({ name, action: rule.action, errnoRet: rule.errnoRet, args: rule.args ?? [] });
    }
  }
  return out;
}

const ACTIONS = new Set<string>([
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_LOG',
]);
const OPS = new Set<string>([
  'SCMP_CMP_EQ',
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_GT',
  'SCMP_CMP_GE',
  'SCMP_CMP_MASKED_EQ',
]);

/** Parses a profile file in Docker's JSON format (--security-opt seccomp=FILE.json). */
export function parseSeccompProfile(text: string, file: string): SeccompProfile {
  const bad = (why: string) => new TsbuildError('usage', 'SECCOMP_PROFILE', `${file}: invalid seccomp profile: ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TsbuildError('usage', 'SECCOMP_PROFILE', `${file}: invalid seccomp profile: ${(err as Error).message}`, { cause: err });
  }
  if (typeof raw !== 'object' || raw === null) throw bad('not a JSON object');
  const p = raw as Record<string, unknown>;
  if (typeof p.defaultAction !== 'string' || !ACTIONS.has(p.defaultAction)) throw bad(`defaultAction ${JSON.stringify(p.defaultAction)}`);
  const syscalls = p.syscalls ?? [];
  if (!Array.isArray(syscalls)) throw bad('syscalls is not a list');
  const rules: SeccompRule[] = [];
  syscalls.forEach((r: unknown, i: number) => {
    if (typeof r !== 'object' || r === null) throw bad(`syscalls[${i}] is not an object`);
    const rule = r as Record<string, unknown>;
    const names = rule.names ?? (typeof rule.name === 'string' ? [rule.name] : undefined);
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw bad(`syscalls[${i}].names`);
    if (typeof rule.action !== 'string' || !ACTIONS.has(rule.action)) throw bad(`syscalls[${i}].action ${JSON.stringify(rule.action)}`);
    const args = (rule.args ?? []) as unknown;
    if (!Array.isArray(args)) throw bad(`syscalls[${i}].args`);
    for (const [j, a] of args.entries()) {
      const arg = a as Record<string, unknown>;
      if (typeof arg.index !== 'number' || arg.index < 0 || arg.index > 5) throw bad(`syscalls[${i}].args[${j}].index`);
      if (typeof arg.op !== 'string' || !OPS.has(arg.op)) throw bad(`syscalls[${i}].args[${j}].op ${JSON.stringify(arg.op)}`);
      if (typeof arg.value !== 'number') throw bad(`syscalls[${i}].args[${j}].value`);
    }
    rules.push(rule as unknown as SeccompRule);
  });
  return {
    defaultAction: p.defaultAction as SeccompAction,
    defaultErrnoRet: typeof p.defaultErrnoRet === 'number' ? p.defaultErrnoRet : undefined,
    syscalls: rules,
  };
}
