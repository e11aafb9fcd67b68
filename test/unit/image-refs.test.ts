import { describe, expect, it } from 'vitest';
import { formatFamiliar, formatRef, normalizeRef, normalizeTag, parseRef } from '../../src/image/refs.js';

const d = `sha256:${'a'.repeat(64)}`;

describe('reference normalisation (as Docker does)', () => {
  const table: [string, string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'busybox:latest'],
    ['index.docker.io/library/busybox:x', 'docker.io/library/busybox:x', 'busybox:x'],
    ['acc-busybox:1', 'docker.io/library/acc-busybox:1', 'acc-busybox:1'],
    ['user/app:v2', 'docker.io/user/app:v2', 'user/app:v2'],
    ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
    ['localhost:5000/a/b:t', 'localhost:5000/a/b:t', 'localhost:5000/a/b:t'],
    ['quay.io/podman/stable', 'quay.io/podman/stable:latest', 'quay.io/podman/stable:latest'],
    ['registry.example.com:443/x__y/z-1.2:T_1.0', 'registry.example.com:443/x__y/z-1.2:T_1.0', 'registry.example.com:443/x__y/z-1.2:T_1.0'],
    [`busybox@${d}`, `docker.io/library/busybox@${d}`, `busybox@${d}`],
    [`busybox:1@${d}`, `docker.io/library/busybox:1@${d}`, `busybox:1@${d}`],
    ['[::1]:5000/app:1', '[::1]:5000/app:1', '[::1]:5000/app:1'],
    ['Example.com/app', 'Example.com/app:latest', 'Example.com/app:latest'],
  ];
  it.each(table)('%s → %s', (input, full, familiar) => {
    const ref = normalizeRef(input);
    expect(formatRef(ref)).toBe(full);
    expect(formatFamiliar(ref)).toBe(familiar);
  });

  it('keeps a missing tag missing in parseRef', () => {
    expect(parseRef('busybox').tag).toBeUndefined();
    expect(parseRef(`busybox@${d}`).tag).toBeUndefined();
  });

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['BusyBox', /lowercase/],
    ['docker.io/Library/x', /lowercase/],
    ['a'.repeat(64), /64-byte hexadecimal/],
    ['busybox:-x', /bad tag/],
    ['busybox:' + 'x'.repeat(129), /bad tag/],
    ['busybox@sha256:abc', /bad digest/],
    ['busybox@md5:' + 'a'.repeat(32), /bad digest/],
    ['a//b', /bad repository name/],
    ['-a/b', /bad (repository name|registry host)/],
    ['foo/', /bad repository name/],
    ['x/a..b', /bad repository name/],
    ['host:port/x', /bad registry host/],
  ];
  it.each(bad)('refuses %j', (input, why) => {
    expect(() => normalizeRef(input)).toThrow(why);
  });

  it('normalizeTag refuses digests', () => {
    expect(() => normalizeTag(`busybox@${d}`)).toThrow(/cannot contain a digest/);
    expect(normalizeTag('acc-busybox:1')).toBe('docker.io/library/acc-busybox:1');
  });
});
