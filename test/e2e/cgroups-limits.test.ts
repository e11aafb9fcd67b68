// cgroup limits proven by their effect, on this machine's cgroup v1 (the v2
// backend is unit-tested on a fake tree only: this host is hybrid). Checks
// afterwards that no container cgroup is left under tsbuild's parent.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeze, readStats, thaw } from '../../src/runtime/cgroups/control.js';
import { hostCgroupLayout } from '../../src/runtime/cgroups/container-cgroup.js';
import { readCgroupRecord } from '../../src/runtime/cgroups/records.js';
import type { CgroupLayout } from '../../src/runtime/cgroups/layout.js';
import { missing } from '../helpers/requires.js';
import { containerIds, exited, makeHarness, ourMounts, readState, run, runRm, spawnTsbuild, waitForOutput, type Harness, until } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox') ?? (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us') ? undefined : 'needs cgroup v1 cpu controller at /sys/fs/cgroup/cpu');

const ourPids = new Set<number>([process.pid]);

/** a container of another tsbuild on this shared host, still running (its host-wide record names a live owner) */
function foreignLive(id: string): boolean {
  try {
    const rec = JSON.parse(readFileSync(`/run/tsbuild/cgroups/${id}.json`, 'utf8')) as { owner: { pid: number } };
    if (ourPids.has(rec.owner.pid)) return false;
    process.kill(rec.owner.pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** the container cgroups (64-hex names) under tsbuild's parent, in every hierarchy, except other users' live ones */
function containerCgroups(layout: CgroupLayout): string[] {
  const out: string[] = [];
  const selves = layout.version === 1 ? layout.hierarchies.map((h) => h.selfDir) : [layout.selfDir];
  for (const self of selves) {
    const parent = path.join(self, 'tsbuild');
    if (!existsSync(parent)) continue;
    for (const n of readdirSync(parent)) if (/^[0-9a-f]{64}$/.test(n) && !foreignLive(n)) out.push(path.join(parent, n));
  }
  return out.sort();
}


describe.skipIf(!!why)('cgroup limits (v1, by effect)', () => {
  let h: Harness;
  let layout: CgroupLayout;
  let before: string[];
  let parentsBefore: boolean[];
  const parents = () => (layout.version === 1 ? layout.hierarchies.map((x) => x.selfDir) : [layout.selfDir]).map((d) => existsSync(path.join(d, 'tsbuild')));
  beforeAll(async () => {
    h = makeHarness();
    layout = await hostCgroupLayout();
    before = containerCgroups(layout);
    parentsBefore = parents();
  });
  afterAll(() => {
    h?.cleanup();
    // tsbuild's parent cgroup goes once its last container is gone (unless another user's container is in it)
    const othersLive = existsSync('/run/tsbuild/cgroups') && readdirSync('/run/tsbuild/cgroups').some((f) => foreignLive(f.replace(/\.json$/, '')));
    if (!othersLive) expect(parents()).toEqual(parentsBefore);
  });
  afterEach(() => {
    expect(ourMounts(h)).toEqual([]);
    expect(containerCgroups(layout)).toEqual(before);
  });

  it('--cpus 0.5: two busy loops for 3 s use at most about half of 3 s of CPU; the quota is visible inside', async () => {
    const started = Date.now();
    const r = await runRm(h, ['--cpus', '0.5', '--network', 'none', 'sh', '-c',
      'cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us; { echo 99999 > /sys/fs/cgroup/cpu/cpu.cfs_quota_us; } 2>/dev/null || echo read-only; for i in 1 2; do timeout -s KILL 3 sh -c "while :; do :; done" & done; wait; cat /sys/fs/cgroup/cpuacct/cpuacct.usage']);
    expect(r.stderr).toBe('');
    const [quota, ro, usage] = r.stdout.trim().split('\n');
    expect(quota).toBe('50000');
    expect(ro).toBe('read-only');
    const ns = Number(usage);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    // unlimited, two loops could take up to 6 s of CPU; the quota allows 1.5 s (+ slack for start-up and period rounding)
    expect(ns).toBeGreaterThan(0);
    expect(ns).toBeLessThan(1.8e9);
  });

  it('--cpus 0.1 bites even on a loaded host: the kernel throttles the container and it gets at most ~0.3 s of 3 s', async () => {
    // on a busy shared host an unlimited burn may get well under half a CPU, so a 0.5 quota may never throttle;
    // 0.1 CPU (10 ms per 100 ms period) is below what any runnable task gets here
    const r = await runRm(h, ['--cpus', '0.1', '--network', 'none', 'sh', '-c',
      'for i in 1 2; do timeout -s KILL 3 sh -c "while :; do :; done" & done; wait; cat /sys/fs/cgroup/cpuacct/cpuacct.usage; grep nr_throttled /sys/fs/cgroup/cpu/cpu.stat']);
    const [usage, throttled] = r.stdout.trim().split('\n');
    expect(Number(usage)).toBeLessThan(0.45e9);
    expect(Number(throttled?.split(' ')[1])).toBeGreaterThan(5);
  });

  it('--memory: the OOM killer ends the container with 137 and the state says OOMKilled', async () => {
    const r = await run(h, ['--rootfs', h.rootfs.dir, '-m', '16m', '--memory-swap', '16m', '--network', 'none', 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; tail /dev/zero']);
    expect(r.stdout).toBe('16777216\n');
    expect(r.code).toBe(137);
    const ids = containerIds(h);
    const id = ids.find((i) => readState(h, i).exitStatus === 137) as string;
    expect(readState(h, id)).toMatchObject({ status: 'exited', exitStatus: 137, oomKilled: true });
    // a container that ends on its own is not marked
    const ok = await run(h, ['--rootfs', h.rootfs.dir, '-m', '16m', '--network', 'none', 'true']);
    expect(ok.code).toBe(0);
    const other = containerIds(h).find((i) => !ids.includes(i)) as string;
    expect(readState(h, other).oomKilled).toBeUndefined();
  });

  it('--pids-limit stops a fork loop', async () => {
    const r = await runRm(h, ['--pids-limit', '8', '--network', 'none', 'sh', '-c',
      'sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do sleep 3 & done"; echo loop-ended $?; read c < /sys/fs/cgroup/pids/pids.current; read m < /sys/fs/cgroup/pids/pids.max; echo $c; echo $m']);
    const [ended, current, max] = r.stdout.trim().split('\n');
    // the loop's shell could not fork its 9th process and gave up
    expect(ended).toMatch(/^loop-ended [1-9]/);
    expect(max).toBe('8');
    expect(Number(current)).toBeLessThanOrEqual(8);
    expect(r.stderr).toMatch(/can't fork|Resource temporarily unavailable/);
  });

  it('the host\'s /proc/PID/cgroup names the container\'s cgroup; the freezer pauses and resumes a counter', async () => {
    const earlier = new Set(containerIds(h));
    const child = spawnTsbuild(['--root', h.root, 'run', '--rm', '--rootfs', h.rootfs.dir, '--network', 'none', '--init',
      'sh', '-c', 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.1; done']);
    if (child.pid) ourPids.add(child.pid);
    const done = exited(child);
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await waitForOutput(child, 'tick 2');
      const id = await until('state with pid1', () => containerIds(h).find((i) => !earlier.has(i) && typeof readState(h, i).pid1 === 'number'));
      const pid1 = readState(h, id).pid1 as number;
      const lines = readFileSync(`/proc/${pid1}/cgroup`, 'utf8').trim().split('\n');
      for (const c of ['cpu', 'memory', 'pids', 'freezer', 'devices']) {
        const line = lines.find((l) => l.split(':')[1]?.split(',').includes(c));
        // seen from the host's cgroup namespace: the full path, ending in tsbuild/<id>
        expect(line, c).toMatch(new RegExp(`:/(.*/)?tsbuild/${id}$`));
      }
      const rec = await readCgroupRecord(id);
      expect(rec?.handle.version).toBe(1);
      const handle = rec!.handle;
      const stats = await readStats(handle);
      expect(stats.pids).toBeGreaterThanOrEqual(2); // boxinit + init + sh (+ sleep)
      expect(stats.memoryUsage).toBeGreaterThan(0);
      expect(stats.cpuUsageNs).toBeGreaterThan(0);
      expect(stats.memoryLimit).toBeUndefined();
      await freeze(handle);
      const frozenAt = out.length;
      await new Promise((r) => setTimeout(r, 800));
      expect(out.length).toBe(frozenAt);
      await thaw(handle);
      const last = Number(/tick (\d+)\n$/.exec(out)?.[1] ?? 0);
      await waitForOutput(child, `tick ${last + 2}\n`, 10_000).catch(() => undefined);
      expect(out.length).toBeGreaterThan(frozenAt);
    } finally {
      child.kill('SIGTERM');
      await done;
    }
  });

  it('--device binds the node and the devices cgroup allows only Docker\'s list plus it', async () => {
    const r = await runRm(h, ['--device', '/dev/null:/dev/mynull:rw', '--network', 'none', 'sh', '-c',
      'echo x > /dev/mynull && echo write-ok; mknod /tmp/mem c 1 1 && echo mknod-ok; head -c1 /tmp/mem >/dev/null 2>&1 || echo open-denied; grep -c . /sys/fs/cgroup/devices/devices.list; grep -q "^a " /sys/fs/cgroup/devices/devices.list || echo no-allow-all']);
    expect(r.stdout).toMatch(/^write-ok\nmknod-ok\nopen-denied\n\d+\nno-allow-all\n$/);
  });

  it('--blkio-weight is warned about and ignored where the kernel lacks it', async () => {
    const has = existsSync('/sys/fs/cgroup/blkio/blkio.weight');
    const r = await runRm(h, ['--blkio-weight', '300', '--network', 'none', 'true']);
    expect(r.code).toBe(0);
    if (!has) expect(r.stderr).toBe('WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n');
  });
});
