// LEAK TEST (slow, as root): 200 `run --rm` cycles and 20 `run -d`/`stop`/`rm`
// cycles leave the mount table, network namespaces, veths, cgroups, the
// host-wide network allocations and the open fds of this process as they
// were. --network none (a netns with only lo) where networking is not the point;
// the -d cycles use the bridge (a veth each). A cgroup parent of the test's
// own makes its cgroups countable while other tsbuild users share the host.
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNetworkState } from '../../src/runtime/network/host-state.js';
import { netnsDir } from '../../src/runtime/network/run-dir.js';
import { missing } from '../helpers/requires.js';
import { links, openFds, tsb } from './lifecycle-harness.js';
import { containerIds, makeHarness, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');
const PARENT = `tsbuild-leaktest-${process.pid}`;

/** dirs below our cgroup parent, in every v1 hierarchy */
function parentChildren(): string[] {
  const out: string[] = [];
  for (const ctrl of readdirSync('/sys/fs/cgroup')) {
    const dir = path.join('/sys/fs/cgroup', ctrl, PARENT);
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(path.join(dir, e.name));
  }
  return out;
}

async function ourAllocations(): Promise<string[]> {
  const s = await readNetworkState();
  return Object.values(s.allocations).filter((a) => a.owner.pid === process.pid).map((a) => a.id);
}

/** the mount table (host-wide: other users' mounts come and go; ours name our temp dirs or a netns) */
function mounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n');
}

function netnsEntries(): string[] {
  return existsSync(netnsDir()) ? readdirSync(netnsDir()) : [];
}

describe.skipIf(!!why)('LEAK TEST (slow): 200 run --rm and 20 run -d/stop/rm cycles leave nothing behind', () => {
  let h: Harness;
  beforeAll(() => {
    h = makeHarness();
  });
  afterAll(() => {
    for (const ctrl of existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup') : []) {
      try {
        rmdirSync(path.join('/sys/fs/cgroup', ctrl, PARENT));
      } catch {
        /* not there */
      }
    }
    h?.cleanup();
  });

  it('200 x run --rm --network none', async () => {
    // one warm-up run: first-use state (store dirs, seccomp cache) is not a leak
    expect((await tsb(h, ['run', '--rm', '--network', 'none', '--cgroup-parent', PARENT, '--rootfs', h.rootfs.dir, 'true'])).code).toBe(0);
    const before = { mounts: mounts(), fds: openFds(), links: links(), netns: netnsEntries() };
    const t0 = Date.now();
    for (let i = 0; i < 200; i++) {
      const r = await tsb(h, ['run', '--rm', '--network', 'none', '--cgroup-parent', PARENT, '--rootfs', h.rootfs.dir, 'sh', '-c', `echo ${i}`]);
      if (r.code !== 0 || r.stdout !== `${i}\n`) expect({ i, ...r }).toEqual({ i, code: 0, stdout: `${i}\n`, stderr: '' });
    }
    const ms = Date.now() - t0;
    console.log(`LEAK TEST: 200 run --rm cycles in ${ms} ms (${(ms / 200).toFixed(0)} ms each)`);
    expect(mounts().filter((l) => !before.mounts.includes(l) && (l.includes(h.tmp) || l.includes(path.dirname(h.rootfs.dir)) || l.includes(netnsDir())))).toEqual([]);
    expect(openFds()).toBe(before.fds);
    expect(links().filter((l) => !before.links.includes(l))).toEqual([]);
    expect(netnsEntries().filter((n) => !before.netns.includes(n))).toEqual([]);
    expect(parentChildren()).toEqual([]);
    expect(await ourAllocations()).toEqual([]);
    expect(containerIds(h)).toEqual([]);
  }, 900_000);

  it('20 x run -d (bridge) / stop / rm', async () => {
    const before = { mounts: mounts(), fds: openFds(), links: links(), netns: netnsEntries() };
    const t0 = Date.now();
    // only this test's containers count: other tsbuild processes on the host may use the bridge meanwhile
    const ours: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await tsb(h, ['run', '-d', '--cgroup-parent', PARENT, '--rootfs', h.rootfs.dir, 'sleep', '1000']);
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      ours.push(id);
      expect(parentChildren().length).toBeGreaterThan(0);
      expect(netnsEntries()).toContain(id);
      expect((await tsb(h, ['stop', '-t', '0', id])).code).toBe(0);
      expect((await tsb(h, ['rm', id])).code).toBe(0);
    }
    const ms = Date.now() - t0;
    console.log(`LEAK TEST: 20 run -d/stop/rm cycles in ${ms} ms (${(ms / 20).toFixed(0)} ms each)`);
    expect(mounts().filter((l) => !before.mounts.includes(l) && (l.includes(h.tmp) || l.includes(path.dirname(h.rootfs.dir)) || (l.includes(netnsDir()) && ours.some((id) => l.includes(id)))))).toEqual([]);
    expect(openFds()).toBe(before.fds);
    expect(links().filter((l) => !before.links.includes(l))).toEqual([]);
    expect(netnsEntries().filter((n) => !before.netns.includes(n) && ours.includes(n))).toEqual([]);
    expect(parentChildren()).toEqual([]);
    expect(containerIds(h)).toEqual([]);
  }, 900_000);
});
