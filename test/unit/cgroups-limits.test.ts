// Flags → ResourceLimits → per-controller file writes (v1 and v2), pure.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { parseDevice, deviceCgroupWrites, splitDevNumber, ruleText } from '../../src/runtime/cgroups/devices.js';
import { expandCpuList, parseBytes, resourceFlags, toResourceLimits } from '../../src/runtime/cgroups/limits.js';
import { blkioToIoWeight, planV1, planV2, sharesToWeight } from '../../src/runtime/cgroups/plan.js';

const limits = (...argv: string[]) => toResourceLimits(parseArgs(argv, resourceFlags));
const v1 = (...argv: string[]) => planV1(limits(...argv), { privileged: false, deviceRules: [] }).filter((w) => w.controller !== 'devices').map((w) => `${w.file}=${w.value}`);
const v2 = (...argv: string[]) => planV2(limits(...argv)).map((w) => `${w.file}=${w.value}`);

describe('resource flags → cgroup files', () => {
  it.each([
    [['--memory', '64m'], ['memory.limit_in_bytes=67108864', 'memory.memsw.limit_in_bytes=134217728'], ['memory.max=67108864', 'memory.swap.max=67108864']],
    [['-m', '1g', '--memory-swap', '-1'], ['memory.limit_in_bytes=1073741824', 'memory.memsw.limit_in_bytes=-1'], ['memory.max=1073741824', 'memory.swap.max=max']],
    [['-m', '32m', '--memory-swap', '32m'], ['memory.limit_in_bytes=33554432', 'memory.memsw.limit_in_bytes=33554432'], ['memory.max=33554432', 'memory.swap.max=0']],
    [['--cpus', '0.5'], ['cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=50000'], ['cpu.max=50000 100000']],
    [['--cpus', '1.25'], ['cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=125000'], ['cpu.max=125000 100000']],
    [['--cpu-period', '50000', '--cpu-quota', '25000'], ['cpu.cfs_period_us=50000', 'cpu.cfs_quota_us=25000'], ['cpu.max=25000 50000']],
    [['--cpu-quota', '-1'], ['cpu.cfs_quota_us=-1'], ['cpu.max=max 100000']],
    [['--cpu-shares', '512'], ['cpu.shares=512'], [`cpu.weight=${sharesToWeight(512)}`]],
    [['--cpuset-cpus', '0-1'], ['cpuset.cpus=0-1'], ['cpuset.cpus=0-1']],
    [['--pids-limit', '20'], ['pids.max=20'], ['pids.max=20']],
    [['--pids-limit', '-1'], ['pids.max=max'], ['pids.max=max']],
    [['--blkio-weight', '300'], ['blkio.weight=300'], [`io.weight=default ${blkioToIoWeight(300)}`]],
    [[], [], []],
  ])('%j', (argv, wantV1, wantV2) => {
    expect(v1(...argv)).toEqual(wantV1);
    expect(v2(...argv)).toEqual(wantV2);
  });

  it('converts shares and blkio weights as runc does', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(blkioToIoWeight(10)).toBe(1);
    expect(blkioToIoWeight(1000)).toBe(10000);
  });

  it('marks the writes Docker only warns about', () => {
    const w = planV1(limits('-m', '64m', '--blkio-weight', '500'), { privileged: false, deviceRules: [] });
    expect(w.find((x) => x.file === 'blkio.weight')?.missingWarning).toMatch(/Block I\/O weight/);
    expect(w.find((x) => x.file === 'memory.memsw.limit_in_bytes')?.missingWarning).toMatch(/swap/);
    expect(w.find((x) => x.file === 'memory.limit_in_bytes')?.missingWarning).toBeUndefined();
  });

  it.each([
    [['--memory', '1m'], /--memory 1m: the minimum memory limit is 6m/],
    [['--memory', 'lots'], /--memory lots: not a size/],
    [['--memory-swap', '1g'], /--memory-swap 1g: needs --memory/],
    [['-m', '1g', '--memory-swap', '512m'], /must be at least --memory/],
    [['--cpus', '0.5', '--cpu-quota', '1000'], /--cpus cannot be combined/],
    [['--cpus', '-1'], /--cpus -1: expected a positive number/],
    [['--cpu-period', '10'], /--cpu-period 10: must be between 1000 and 1000000/],
    [['--cpuset-cpus', '3-1'], /--cpuset-cpus 3-1: expected a CPU list/],
    [['--blkio-weight', '5'], /--blkio-weight 5: must be between 10 and 1000/],
    [['--pids-limit', 'x'], /--pids-limit x: not an integer/],
    [['--cgroup-parent', '../escape'], /--cgroup-parent \.\.\/escape/],
    [['--device', 'dev/null'], /--device dev\/null: the host device/],
    [['--device', '/dev/null:/x:rwx'], /permissions "rwx"/],
  ])('%j is a usage error', (argv, re) => {
    expect(() => limits(...argv)).toThrow(re);
  });

  it('parses sizes, cpu lists and the cgroup parent', () => {
    expect(parseBytes('-m', '512k')).toBe(524288);
    expect(parseBytes('-m', '1.5g')).toBe(1610612736);
    expect(parseBytes('-m', '100')).toBe(100);
    expect(expandCpuList('0-2,5,1')).toEqual([0, 1, 2, 5]);
    expect(limits().cgroupParent).toBe('tsbuild');
    expect(limits('--cgroup-parent', '/a//b/').cgroupParent).toBe('a/b');
  });
});

describe('devices', () => {
  it.each([
    ['/dev/fuse', { host: '/dev/fuse', container: '/dev/fuse', permissions: 'rwm' }],
    ['/dev/fuse:r', { host: '/dev/fuse', container: '/dev/fuse', permissions: 'r' }],
    ['/dev/sda:/dev/xvdc', { host: '/dev/sda', container: '/dev/xvdc', permissions: 'rwm' }],
    ['/dev/sda:/dev/xvdc:rw', { host: '/dev/sda', container: '/dev/xvdc', permissions: 'rw' }],
  ])('parses %s', (v, want) => expect(parseDevice(v)).toEqual(want));

  it('denies everything, then allows Docker\'s list and the --device rules', () => {
    const w = deviceCgroupWrites(false, [{ type: 'c', major: 10, minor: 229, access: 'rw' }]);
    expect(w[0]).toEqual({ file: 'devices.deny', value: 'a *:* rwm' });
    const allowed = w.slice(1).map((x) => x.value);
    expect(allowed).toEqual(expect.arrayContaining(['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:9 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:229 rw']));
    expect(allowed).not.toContain('a *:* rwm');
    expect(deviceCgroupWrites(true, [])).toEqual([{ file: 'devices.allow', value: 'a *:* rwm' }]);
    expect(ruleText({ type: 'b', major: 8, access: 'r' })).toBe('b 8:* r');
  });

  it('splits dev_t as glibc does', () => {
    expect(splitDevNumber(0x103)).toEqual({ major: 1, minor: 3 });
    expect(splitDevNumber((259 << 8) | 5)).toEqual({ major: 259, minor: 5 });
    expect(splitDevNumber((8 << 8) | (0x1200 << 12) | 0x34)).toEqual({ major: 8, minor: 0x1234 });
  });
});
