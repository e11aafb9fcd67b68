// A small classic-BPF interpreter for seccomp programs, for tests: runs a
// program over a synthetic struct seccomp_data and returns the filter's
// return value (SECCOMP_RET_*).
export interface SeccompData {
  nr: number;
  arch: number;
  ip?: bigint;
  args?: (number | bigint)[];
}

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

function decode(bytes: Uint8Array): Insn[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = [];
  for (let n = 0; n < b.length; n += 8) out.push({ code: b.readUInt16LE(n), jt: b[n + 2]!, jf: b[n + 3]!, k: b.readUInt32LE(n + 4) });
  return out;
}

function dataBytes(d: SeccompData): Buffer {
  const buf = Buffer.alloc(64);
  buf.writeInt32LE(d.nr | 0, 0);
  buf.writeUInt32LE(d.arch >>> 0, 4);
  buf.writeBigUInt64LE(d.ip ?? 0n, 8);
  (d.args ?? []).forEach((a, i) => buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(a)), 16 + 8 * i));
  return buf;
}

/** Runs the program; throws on malformed programs (like the kernel's checker would refuse them). */
export function runSeccomp(program: Uint8Array, d: SeccompData): number {
  const insns = decode(program);
  const data = dataBytes(d);
  let A = 0;
  let X = 0;
  for (let pc = 0, steps = 0; pc < insns.length; pc++, steps++) {
    if (steps > 100_000) throw new Error('loop');
    const i = insns[pc]!;
    const cls = i.code & 0x07;
    switch (cls) {
      case 0x00: // LD
        if (i.code !== 0x20) throw new Error(`unsupported ld 0x${i.code.toString(16)} at ${pc}`);
        if (i.k % 4 !== 0 || i.k + 4 > 64) throw new Error(`bad load offset ${i.k} at ${pc}`);
        A = data.readUInt32LE(i.k);
        break;
      case 0x04: {
        // ALU with K
        const op = i.code & 0xf0;
        if ((i.code & 0x08) !== 0) throw new Error('ALU X unsupported');
        if (op === 0x50) A = (A & i.k) >>> 0;
        else if (op === 0x40) A = (A | i.k) >>> 0;
        else if (op === 0x00) A = (A + i.k) >>> 0;
        else throw new Error(`unsupported alu 0x${i.code.toString(16)}`);
        break;
      }
      case 0x05: {
        // JMP
        const op = i.code & 0xf0;
        if (op === 0x00) {
          pc += i.k;
          break;
        }
        const v = (i.code & 0x08) !== 0 ? X : i.k;
        let cond: boolean;
        if (op === 0x10) cond = A === v >>> 0;
        else if (op === 0x20) cond = A > v >>> 0;
        else if (op === 0x30) cond = A >= v >>> 0;
        else if (op === 0x40) cond = (A & v) !== 0;
        else throw new Error(`unsupported jmp 0x${i.code.toString(16)}`);
        pc += cond ? i.jt : i.jf;
        break;
      }
      case 0x06: // RET
        return (i.code & 0x18) === 0x10 ? A >>> 0 : i.k >>> 0;
      case 0x07: // MISC
        if (i.code === 0x07) X = A;
        else A = X;
        break;
      default:
        throw new Error(`unsupported class ${cls} at ${pc}`);
    }
    if (pc + 1 > insns.length) throw new Error('jump past the end');
  }
  throw new Error('program fell off the end');
}
