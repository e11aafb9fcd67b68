// Layout detection from /proc/self/cgroup + mountinfo, and both backends on a
// fake cgroup tree in a temp dir. NOTE: cgroup v2 is only tested here, on the
// fake tree (this machine is hybrid: v1 runs); v1 runs for real in
// test/e2e/cgroups-limits.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { cgroupMounts } from '../../src/runtime/cgroups/container-mounts.js';
import { freeze, oomKillCount, readStats, removeCgroup, thaw } from '../../src/runtime/cgroups/control.js';
import { createContainerCgroup } from '../../src/runtime/cgroups/create.js';
import { fakeTreeFs } from '../../src/runtime/cgroups/fs-ops.js';
import { procsFiles } from '../../src/runtime/cgroups/handle.js';
import { detectLayout, parseProcCgroup } from '../../src/runtime/cgroups/layout.js';
import { resourceFlags, toResourceLimits } from '../../src/runtime/cgroups/limits.js';

const ID = 'a'.repeat(64);
const limits = (...argv: string[]) => toResourceLimits(parseArgs(argv, resourceFlags));

const HYBRID_CGROUP = '9:name=systemd:/\n8:pids:/\n4:memory:/process_api/x1\n3:cpuset:/\n2:cpu,cpuacct:/user\n0::/\n';
const HYBRID_MOUNTS = [
  '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
  '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids',
  '39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');

describe('cgroup layout', () => {
  it('uses v1 on a hybrid host, below tsbuild\'s own cgroup per hierarchy', () => {
    const l = detectLayout(HYBRID_CGROUP, HYBRID_MOUNTS);
    expect(l.version).toBe(1);
    if (l.version !== 1) return;
    expect(l.hierarchies.map((h) => [h.controllers.join(','), h.selfDir])).toEqual([
      ['pids', '/sys/fs/cgroup/pids'],
      ['memory', '/sys/fs/cgroup/memory/process_api/x1'],
      ['cpuset', '/sys/fs/cgroup/cpuset'],
      ['cpu,cpuacct', '/sys/fs/cgroup/cpu,cpuacct/user'],
    ]);
  });

  it('uses v2 only when /sys/fs/cgroup itself is cgroup2', () => {
    const l = detectLayout('0::/user.slice/session-1.scope\n', '25 22 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate');
    expect(l).toEqual({ version: 2, mountPoint: '/sys/fs/cgroup', selfDir: '/sys/fs/cgroup/user.slice/session-1.scope' });
  });

  it('maps paths through a mount whose root is not / (inside a cgroup namespace)', () => {
    const l = detectLayout('4:memory:/outer/inner\n', '34 30 0:31 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory');
    expect(l.version === 1 && l.hierarchies[0]?.selfDir).toBe('/sys/fs/cgroup/memory/inner');
  });

  it('parses /proc/self/cgroup lines', () => {
    expect(parseProcCgroup('0::/a:b\n')).toEqual([{ id: 0, controllers: [], path: '/a:b' }]);
  });
});

describe('backends on a fake tree', () => {
  let tmp: string;
  const killed: number[] = [];
  const fs = fakeTreeFs((pid) => void killed.push(pid));
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-cgroups-'));
    killed.length = 0;
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));
  const read = (...p: string[]) => readFileSync(path.join(tmp, ...p), 'utf8');

  it('v2: delegates controllers on the way down, writes the limits, reads stats, freezes, counts OOM kills, removes', async () => {
    const self = path.join(tmp, 'user.slice');
    mkdirSync(self);
    writeFileSync(path.join(self, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    const { handle, warnings } = await createContainerCgroup({
      id: ID, limits: limits('-m', '64m', '--cpus', '0.5', '--pids-limit', '10', '--device', '/dev/null'), devices: [
        { host: '/dev/null', container: '/dev/null', permissions: 'rwm', rule: { type: 'c', major: 1, minor: 3, access: 'rwm' } },
      ], privileged: false, layout: { version: 2, mountPoint: tmp, selfDir: self }, fs,
    });
    const leaf = path.join(self, 'tsbuild', ID);
    expect(handle).toEqual({ version: 2, dirs: { unified: leaf }, parents: [[path.join(self, 'tsbuild')]] });
    expect(read('user.slice', 'cgroup.subtree_control')).toBe('+cpu +memory +pids');
    expect(read('user.slice', 'tsbuild', 'cgroup.subtree_control')).toBe('+cpu +memory +pids');
    expect(read('user.slice', 'tsbuild', ID, 'memory.max')).toBe('67108864');
    expect(read('user.slice', 'tsbuild', ID, 'memory.swap.max')).toBe('67108864');
    expect(read('user.slice', 'tsbuild', ID, 'cpu.max')).toBe('50000 100000');
    expect(read('user.slice', 'tsbuild', ID, 'pids.max')).toBe('10');
    expect(warnings.join('\n')).toMatch(/device access is not restricted/);
    expect(procsFiles(handle)).toEqual([path.join(leaf, 'cgroup.procs')]);
    expect(cgroupMounts(handle, '/unused')).toEqual([{ type: 'bind', source: leaf, destination: '/sys/fs/cgroup', options: ['ro', 'nosuid', 'nodev', 'noexec'] }]);

    writeFileSync(path.join(leaf, 'cpu.stat'), 'usage_usec 1500\nuser_usec 1000\n');
    writeFileSync(path.join(leaf, 'memory.current'), '4096\n');
    writeFileSync(path.join(leaf, 'pids.current'), '3\n');
    expect(await readStats(handle, { fs })).toEqual({ cpuUsageNs: 1_500_000, memoryUsage: 4096, memoryLimit: 67108864, pids: 3 });
    writeFileSync(path.join(leaf, 'memory.events'), 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n');
    expect(await oomKillCount(handle, { fs })).toBe(1);

    writeFileSync(path.join(leaf, 'cgroup.events'), 'populated 1\nfrozen 0\n');
    await expect(freeze(handle, { fs, timeoutMs: 50 })).rejects.toThrow(/did not freeze/);
    writeFileSync(path.join(leaf, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    await freeze(handle, { fs });
    expect(read('user.slice', 'tsbuild', ID, 'cgroup.freeze')).toBe('1');
    await thaw(handle, { fs });
    expect(read('user.slice', 'tsbuild', ID, 'cgroup.freeze')).toBe('0');

    writeFileSync(path.join(leaf, 'cgroup.procs'), '4242\n');
    await removeCgroup(handle, { fs });
    expect(killed).toEqual([4242]);
    expect(existsSync(leaf)).toBe(false);
    expect(existsSync(path.join(self, 'tsbuild'))).toBe(false);
    expect(existsSync(self)).toBe(true);
  });

  it('v2: a controller the parent lacks is an error naming the flag; nothing is left behind', async () => {
    const self = path.join(tmp, 's');
    mkdirSync(self);
    writeFileSync(path.join(self, 'cgroup.controllers'), 'memory\n');
    await expect(createContainerCgroup({ id: ID, limits: limits('--pids-limit', '5'), devices: [], privileged: false, layout: { version: 2, mountPoint: tmp, selfDir: self }, fs }))
      .rejects.toThrow(/--pids-limit: the pids controller is not available/);
    expect(readdirSync(self).sort()).toEqual(['cgroup.controllers', 'cgroup.subtree_control']);
  });

  it('v1: one dir per hierarchy, cpuset copied from the parent, devices deny-all then allow, blkio warned', async () => {
    const mk = (...p: string[]) => mkdirSync(path.join(tmp, ...p), { recursive: true });
    for (const h of ['cpu,cpuacct', 'cpuset', 'memory/caller', 'pids', 'devices', 'freezer', 'blkio']) mk(h);
    writeFileSync(path.join(tmp, 'cpuset', 'cpuset.cpus'), '0-1\n');
    writeFileSync(path.join(tmp, 'cpuset', 'cpuset.mems'), '0\n');
    const hier = (controllers: string[], dir: string) => ({ controllers, mountPoint: path.join(tmp, dir.split('/')[0] as string), selfDir: path.join(tmp, dir) });
    const layout = {
      version: 1 as const,
      hierarchies: [hier(['cpu', 'cpuacct'], 'cpu,cpuacct'), hier(['cpuset'], 'cpuset'), hier(['memory'], 'memory/caller'), hier(['pids'], 'pids'), hier(['devices'], 'devices'), hier(['freezer'], 'freezer'), hier(['blkio'], 'blkio')],
    };
    // a fake tree has no blkio.weight unless we make one: the write creates it, so pre-make the dir read-only? — instead drop blkio from the layout
    const noBlkio = { ...layout, hierarchies: layout.hierarchies.filter((h) => !h.controllers.includes('blkio')) };
    const { handle, warnings } = await createContainerCgroup({ id: ID, limits: limits('--cpus', '0.5', '-m', '64m', '--blkio-weight', '300', '--cgroup-parent', 'tsb/nested'), devices: [], privileged: false, layout: noBlkio, fs });
    expect(warnings).toEqual(['Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.']);
    const cpuLeaf = path.join(tmp, 'cpu,cpuacct', 'tsb', 'nested', ID);
    expect(handle.dirs.cpu).toBe(cpuLeaf);
    expect(handle.dirs.cpuacct).toBe(cpuLeaf);
    expect(handle.dirs.memory).toBe(path.join(tmp, 'memory', 'caller', 'tsb', 'nested', ID));
    expect(read('cpu,cpuacct', 'tsb', 'nested', ID, 'cpu.cfs_quota_us')).toBe('50000');
    for (const level of [['tsb'], ['tsb', 'nested'], ['tsb', 'nested', ID]]) {
      expect(read('cpuset', ...level, 'cpuset.cpus')).toBe('0-1');
      expect(read('cpuset', ...level, 'cpuset.mems')).toBe('0');
    }
    expect(read('devices', 'tsb', 'nested', ID, 'devices.deny')).toBe('a *:* rwm');
    expect(procsFiles(handle)).toHaveLength(6);
    const mounts = cgroupMounts(handle, '/state/cgroupfs');
    expect(mounts[0]).toEqual({ type: 'bind', source: '/state/cgroupfs', destination: '/sys/fs/cgroup', options: ['ro', 'nosuid', 'nodev', 'noexec'] });
    expect(mounts.map((m) => m.destination)).toContain('/sys/fs/cgroup/cpu,cpuacct');

    writeFileSync(path.join(handle.dirs.memory as string, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    expect(await oomKillCount(handle, { fs })).toBe(2);
    writeFileSync(path.join(handle.dirs.freezer as string, 'freezer.state'), 'THAWED\n');
    await thaw(handle, { fs });
    expect(read('freezer', 'tsb', 'nested', ID, 'freezer.state')).toBe('THAWED');

    // a second container keeps the shared parent alive
    const other = await createContainerCgroup({ id: 'b'.repeat(64), limits: limits('--cgroup-parent', 'tsb/nested'), devices: [], privileged: false, layout: noBlkio, fs });
    await removeCgroup(handle, { fs });
    expect(existsSync(cpuLeaf)).toBe(false);
    expect(existsSync(path.join(tmp, 'cpu,cpuacct', 'tsb', 'nested'))).toBe(true);
    await removeCgroup(other.handle, { fs });
    expect(existsSync(path.join(tmp, 'cpu,cpuacct', 'tsb'))).toBe(false);
    expect(existsSync(path.join(tmp, 'memory', 'caller'))).toBe(true);
  });

  it('v1: a parent another tsbuild just made (cpuset still empty) is filled in, not skipped', async () => {
    mkdirSync(path.join(tmp, 'cpuset', 'tsbuild'), { recursive: true });
    writeFileSync(path.join(tmp, 'cpuset', 'cpuset.cpus'), '0-1\n');
    writeFileSync(path.join(tmp, 'cpuset', 'cpuset.mems'), '0\n');
    writeFileSync(path.join(tmp, 'cpuset', 'tsbuild', 'cpuset.cpus'), '\n');
    const layout = { version: 1 as const, hierarchies: [{ controllers: ['cpuset'], mountPoint: path.join(tmp, 'cpuset'), selfDir: path.join(tmp, 'cpuset') }] };
    await createContainerCgroup({ id: ID, limits: limits(), devices: [], privileged: false, layout, fs });
    expect(read('cpuset', 'tsbuild', 'cpuset.cpus')).toBe('0-1');
    expect(read('cpuset', 'tsbuild', ID, 'cpuset.cpus')).toBe('0-1');
    expect(read('cpuset', 'tsbuild', ID, 'cpuset.mems')).toBe('0');
  });

  it('v1: a missing controller for a limit is an error; a failed write removes what was made', async () => {
    mkdirSync(path.join(tmp, 'cpu'));
    const layout = { version: 1 as const, hierarchies: [{ controllers: ['cpu'], mountPoint: path.join(tmp, 'cpu'), selfDir: path.join(tmp, 'cpu') }] };
    await expect(createContainerCgroup({ id: ID, limits: limits('--pids-limit', '4'), devices: [], privileged: false, layout, fs })).rejects.toThrow(/--pids-limit: the pids cgroup controller is not mounted/);
    expect(readdirSync(path.join(tmp, 'cpu'))).toEqual([]);
  });
});
