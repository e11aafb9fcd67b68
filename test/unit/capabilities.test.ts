import { describe, expect, it } from 'vitest';
import {
  ALL_CAPABILITIES,
  CAP_LAST,
  capabilityBit,
  capabilityMask,
  capabilityNames,
  DOCKER_DEFAULT_CAPABILITIES,
  formatCapabilityMask,
  hasCapability,
  resolveCapabilities,
} from '../../src/runtime/capabilities.js';

describe('capability table', () => {
  it('numbers capabilities as linux/capability.h does', () => {
    expect(capabilityBit('CAP_CHOWN')).toBe(0);
    expect(capabilityBit('net_admin')).toBe(12);
    expect(capabilityBit('SYS_ADMIN')).toBe(21);
    expect(capabilityBit('CAP_MKNOD')).toBe(27);
    expect(capabilityBit('CAP_SETFCAP')).toBe(31);
    expect(capabilityBit('CAP_BPF')).toBe(39);
    expect(capabilityBit('CAP_CHECKPOINT_RESTORE')).toBe(40);
    expect(CAP_LAST).toBe(40);
    expect(capabilityBit('CAP_NOPE')).toBeUndefined();
  });

  it("Docker's 14 defaults are 00000000a80425fb", () => {
    expect(formatCapabilityMask(DOCKER_DEFAULT_CAPABILITIES)).toBe('00000000a80425fb');
    expect(capabilityNames(DOCKER_DEFAULT_CAPABILITIES)).toHaveLength(14);
    expect(formatCapabilityMask(ALL_CAPABILITIES)).toBe('000001ffffffffff');
  });

  it('unknown names are a usage error naming the capability', () => {
    expect(() => capabilityMask(['CAP_FLY'])).toThrow(/CAP_FLY/);
  });
});

describe('resolveCapabilities', () => {
  it('root gets the defaults in bounding, permitted, effective; nothing inheritable or ambient', () => {
    const s = resolveCapabilities({ uid: 0 });
    expect(s.bounding).toBe(0xa80425fbn);
    expect(s.permitted).toBe(0xa80425fbn);
    expect(s.effective).toBe(0xa80425fbn);
    expect(s.inheritable).toBe(0n);
    expect(s.ambient).toBe(0n);
  });

  it('a non-root user keeps only the bounding set', () => {
    const s = resolveCapabilities({ uid: 1000 });
    expect(s.bounding).toBe(DOCKER_DEFAULT_CAPABILITIES);
    expect(s.permitted).toBe(0n);
    expect(s.effective).toBe(0n);
  });

  it('--cap-add and --cap-drop by name, with or without CAP_, any case', () => {
    const s = resolveCapabilities({ uid: 0, capAdd: ['net_admin', 'CAP_SYS_PTRACE'], capDrop: ['CHOWN', 'cap_kill'] });
    expect(hasCapability(s.effective, 'NET_ADMIN')).toBe(true);
    expect(hasCapability(s.effective, 'SYS_PTRACE')).toBe(true);
    expect(hasCapability(s.effective, 'CHOWN')).toBe(false);
    expect(hasCapability(s.effective, 'KILL')).toBe(false);
    expect(hasCapability(s.effective, 'SETUID')).toBe(true);
  });

  it('--cap-drop ALL then --cap-add X gives only X; --cap-add ALL --cap-drop X gives all but X', () => {
    expect(resolveCapabilities({ uid: 0, capDrop: ['ALL'], capAdd: ['NET_BIND_SERVICE'] }).effective).toBe(1n << 10n);
    const s = resolveCapabilities({ uid: 0, capAdd: ['all'], capDrop: ['SYS_ADMIN'] });
    expect(s.bounding).toBe(ALL_CAPABILITIES & ~(1n << 21n));
    expect(resolveCapabilities({ uid: 0, capDrop: ['ALL'] }).bounding).toBe(0n);
  });

  it('--privileged gives every capability', () => {
    expect(resolveCapabilities({ uid: 0, privileged: true }).effective).toBe(ALL_CAPABILITIES);
  });

  it('rejects unknown capabilities', () => {
    expect(() => resolveCapabilities({ uid: 0, capAdd: ['WARP_DRIVE'] })).toThrow(/WARP_DRIVE/);
  });
});
