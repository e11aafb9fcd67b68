// Classic BPF as seccomp uses it: opcodes, return values, struct seccomp_data
// offsets, and a tiny assembler with labels (jt/jf are 8-bit forward offsets).
import { TsbuildError } from '../../errors.js';

export const BPF = {
  LD_W_ABS: 0x20, // BPF_LD | BPF_W | BPF_ABS
  ALU_AND_K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  JMP_JA: 0x05, // BPF_JMP | BPF_JA
  JMP_JEQ_K: 0x15,
  JMP_JGT_K: 0x25,
  JMP_JGE_K: 0x35,
  JMP_JSET_K: 0x45,
  RET_K: 0x06, // BPF_RET | BPF_K
} as const;

export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_I386 = 0x40000003;

/** offsets in struct seccomp_data */
export const DATA = {
  nr: 0,
  arch: 4,
  /** low 32 bits of argument i (little-endian) */
  argLo: (i: number) => 16 + 8 * i,
  argHi: (i: number) => 16 + 8 * i + 4,
} as const;

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

type Target = string | number; // a label, or 0 for "next instruction"

interface PendingInsn {
  code: number;
  jt: Target;
  jf: Target;
  k: number;
  /** for `ja`: a label resolved into k */
  kLabel?: string;
}

/** Emits instructions; jumps name labels placed later with `label()`. */
export class Assembler {
  private readonly insns: PendingInsn[] = [];
  private readonly labels = new Map<string, number>();
  private n = 0;

  fresh(prefix: string): string {
    return `${prefix}#${this.n++}`;
  }
  label(name: string): void {
    if (this.labels.has(name)) throw new TsbuildError('internal', 'BPF_LABEL', `label ${name} placed twice`);
    this.labels.set(name, this.insns.length);
  }
  ld(offset: number): void {
    this.insns.push({ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: offset });
  }
  and(k: number): void {
    this.insns.push({ code: BPF.ALU_AND_K, jt: 0, jf: 0, k: k >>> 0 });
  }
  jeq(k: number, jt: Target, jf: Target): void {
    this.insns.push({ code: BPF.JMP_JEQ_K, jt, jf, k: k >>> 0 });
  }
  jgt(k: number, jt: Target, jf: Target): void {
    this.insns.push({ code: BPF.JMP_JGT_K, jt, jf, k: k >>> 0 });
  }
  jge(k: number, jt: Target, jf: Target): void {
    this.insns.push({ code: BPF.JMP_JGE_K, jt, jf, k: k >>> 0 });
  }
  ja(label: string): void {
    this.insns.push({ code: BPF.JMP_JA, jt: 0, jf: 0, k: 0, kLabel: label });
  }
  ret(k: number): void {
    this.insns.push({ code: BPF.RET_K, jt: 0, jf: 0, k: k >>> 0 });
  }

  /** Resolves labels into offsets. */
  finish(): Insn[] {
    const at = (t: Target, pos: number, short: boolean): number => {
      if (typeof t === 'number') return t;
      const dest = this.labels.get(t);
      if (dest === undefined) throw new TsbuildError('internal', 'BPF_LABEL', `label ${t} never placed`);
      const off = dest - (pos + 1);
      if (off < 0 || (short && off > 255)) throw new TsbuildError('internal', 'BPF_JUMP', `jump to ${t} out of range (${off})`);
      return off;
    };
    const out = this.insns.map((i, pos) => ({
      code: i.code,
      jt: at(i.jt, pos, true),
      jf: at(i.jf, pos, true),
      k: i.kLabel !== undefined ? at(i.kLabel, pos, false) : i.k,
    }));
    if (out.length > 4096) throw new TsbuildError('runtime', 'SECCOMP_TOO_LONG', `seccomp program has ${out.length} instructions (limit 4096)`);
    return out;
  }
}

/** struct sock_filter[] as bytes (u16 code, u8 jt, u8 jf, u32 k; little-endian) */
export function encodeProgram(insns: Insn[]): Uint8Array {
  // plain byte stores: cheaper on a cold start than Buffer's write methods
  const out = new Uint8Array(insns.length * 8);
  for (let n = 0; n < insns.length; n++) {
    const i = insns[n]!;
    const o = n * 8;
    const k = i.k >>> 0;
    out[o] = i.code & 0xff;
    out[o + 1] = (i.code >>> 8) & 0xff;
    out[o + 2] = i.jt;
    out[o + 3] = i.jf;
    out[o + 4] = k & 0xff;
    out[o + 5] = (k >>> 8) & 0xff;
    out[o + 6] = (k >>> 16) & 0xff;
    out[o + 7] = k >>> 24;
  }
  return out;
}

export function decodeProgram(bytes: Uint8Array): Insn[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let n = 0; n + 8 <= buf.length; n += 8) {
    out.push({ code: buf.readUInt16LE(n), jt: buf.readUInt8(n + 2), jf: buf.readUInt8(n + 3), k: buf.readUInt32LE(n + 4) });
  }
  return out;
}
