import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCKER_DEFAULT_CAPABILITIES } from '../../src/runtime/capabilities.js';
import { AUDIT_ARCH_X86_64, resolveSeccomp, SECCOMP_RET, SYSCALLS_X86_64 } from '../../src/runtime/seccomp/index.js';
import { runSeccomp } from '../helpers/bpf-interpreter.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-seccomp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--security-opt seccomp=…', () => {
  it('unconfined means no filter', async () => {
    expect(await resolveSeccomp('unconfined', DOCKER_DEFAULT_CAPABILITIES)).toBeUndefined();
  });

  it("no option means Docker's default profile", async () => {
    const p = await resolveSeccomp(undefined, DOCKER_DEFAULT_CAPABILITIES);
    expect(runSeccomp(p!, { nr: SYSCALLS_X86_64.keyctl!, arch: AUDIT_ARCH_X86_64 })).toBe(SECCOMP_RET.ERRNO | 1);
    expect(runSeccomp(p!, { nr: SYSCALLS_X86_64.read!, arch: AUDIT_ARCH_X86_64 })).toBe(SECCOMP_RET.ALLOW);
  });

  it('a profile file is compiled the same way', async () => {
    const file = path.join(dir, 'deny-mkdir.json');
    writeFileSync(
      file,
      JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] }),
    );
    const p = await resolveSeccomp(file, DOCKER_DEFAULT_CAPABILITIES);
    expect(runSeccomp(p!, { nr: SYSCALLS_X86_64.mkdirat!, arch: AUDIT_ARCH_X86_64 })).toBe(SECCOMP_RET.ERRNO | 13);
    expect(runSeccomp(p!, { nr: SYSCALLS_X86_64.keyctl!, arch: AUDIT_ARCH_X86_64 })).toBe(SECCOMP_RET.ALLOW);
  });

  it('a missing or broken file is a usage error naming it', async () => {
    await expect(resolveSeccomp(path.join(dir, 'nope.json'), 0n)).rejects.toThrow(/nope\.json/);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"defaultAction": 3}');
    await expect(resolveSeccomp(bad, 0n)).rejects.toMatchObject({ category: 'usage', code: 'SECCOMP_PROFILE' });
  });
});
