import { describe, expect, it } from 'vitest';
import { Cleanup } from '../../src/runtime/cleanup.js';
import { toBoxinitConfig, toBoxinitMount } from '../../src/runtime/container-config.js';
import { hostnameFile, hostsFile, resolvConfFile } from '../../src/runtime/hosts.js';
import { parseArgs } from '../../src/cli/args.js';
import { runFlags, toRunOptions } from '../../src/runtime/run-options.js';
import { buildSpec } from '../../src/runtime/spec.js';
import { TsbuildError } from '../../src/errors.js';

describe('Cleanup', () => {
  it('runs releases last-in first-out, all of them, and reports failures together', async () => {
    const order: string[] = [];
    const c = new Cleanup();
    c.defer('a', () => void order.push('a'));
    c.defer('b', () => {
      order.push('b');
      throw new Error('b broke');
    });
    c.defer('c', async () => void order.push('c'));
    const err = await c.dispose().catch((e: unknown) => e);
    expect(order).toEqual(['c', 'b', 'a']);
    expect(err).toBeInstanceOf(TsbuildError);
    expect((err as TsbuildError).message).toBe('cleanup failed: b: b broke');
    await c.dispose(); // a second dispose does nothing
    expect(order).toHaveLength(3);
  });
  it('runs a release early, once', async () => {
    const c = new Cleanup();
    let n = 0;
    const early = c.defer('x', () => void n++);
    await early();
    await early();
    await c.dispose();
    expect(n).toBe(1);
  });
});

describe('/etc files', () => {
  it('hostname, hosts, resolv.conf', () => {
    expect(hostnameFile('box')).toBe('box\n');
    expect(hostsFile()).toMatch(/^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/);
    expect(hostsFile([{ ip: '10.0.0.2', names: ['box', 'box.local'] }])).toMatch(/10\.0\.0\.2\tbox box\.local\n$/);
    expect(resolvConfFile('nameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch x\n')).toBe('nameserver 10.1.1.1\nsearch x\n');
    expect(resolvConfFile(undefined)).toBe('');
  });
});

describe('spec → boxinit config', () => {
  const id = 'f'.repeat(64);
  const specOf = (argv: string[]) =>
    buildSpec({ id, imageName: 'img', image: { Cmd: ['sh'] }, options: toRunOptions(parseArgs(argv, runFlags, { stopAtPositional: true })), passwd: 'root:x:0:0::/root:/bin/sh\n' });
  const paths = { rootfs: { kind: 'dir' as const, target: '/m', path: '/r' }, hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' };

  it('binds recursively, read-only on request; tmpfs keeps its options', () => {
    expect(toBoxinitMount({ type: 'bind', source: '/h', target: '/c', readonly: true, flag: '' })).toEqual({ type: 'bind', source: '/h', destination: '/c', options: ['rbind', 'ro'] });
    expect(toBoxinitMount({ type: 'tmpfs', target: '/t', options: ['nosuid', 'size=1'], flag: '' })).toEqual({ type: 'tmpfs', source: 'tmpfs', destination: '/t', options: ['nosuid', 'size=1'] });
  });
  it('masks Docker’s paths and keeps /sys read-only unless --privileged', () => {
    const normal = toBoxinitConfig(specOf(['img']), paths, undefined, undefined);
    expect(normal.maskedPaths).toContain('/proc/kcore');
    expect(normal.readonlyPaths).toContain('/proc/sys');
    expect(normal.sysfsReadonly).toBe(true);
    expect(normal.files).toEqual({ hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' });
    expect(normal.namespaces).toEqual(['pid', 'mount', 'uts', 'ipc', 'net', 'cgroup']);
    const priv = toBoxinitConfig(specOf(['--privileged', 'img']), paths, undefined, undefined);
    expect([priv.maskedPaths, priv.readonlyPaths, priv.sysfsReadonly]).toEqual([[], [], false]);
  });
  it('passes tty size only with -t', () => {
    expect(toBoxinitConfig(specOf(['img']), paths, undefined, { rows: 5, cols: 6 }).tty).toBeUndefined();
    expect(toBoxinitConfig(specOf(['-t', 'img']), paths, undefined, { rows: 5, cols: 6 }).tty).toEqual({ rows: 5, cols: 6 });
    expect(toBoxinitConfig(specOf(['-t', 'img']), paths, undefined, undefined).tty).toEqual({ rows: 24, cols: 80 });
  });
});
