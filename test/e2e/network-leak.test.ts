// 20 `run --rm` cycles on the bridge with a published port leave the
// process's open file descriptors, the veths, the netns files, the address
// allocations and the container cgroups as they were.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { makeHarness, ourMounts, runRm, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

const fds = () => readdirSync('/proc/self/fd').length;
/** tsbuild veths without an allocation (anyone's): a leak */
const orphanVeths = (): string[] => {
  let ids: string[] = [];
  try {
    ids = Object.keys((JSON.parse(readFileSync('/run/tsbuild/network/state.json', 'utf8')) as { allocations: Record<string, unknown> }).allocations);
  } catch {
    ids = [];
  }
  const names = execFileSync('ip', ['-o', 'link', 'show']).toString().split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '');
  return names.filter((n) => n.startsWith('tsv') && !ids.some((id) => n === `tsv${id.slice(0, 11)}`));
};
const orphanNetns = (): string[] => {
  let ids: string[] = [];
  try {
    ids = Object.keys((JSON.parse(readFileSync('/run/tsbuild/network/state.json', 'utf8')) as { allocations: Record<string, unknown> }).allocations);
  } catch {
    ids = [];
  }
  return existsSync('/run/tsbuild/netns') ? readdirSync('/run/tsbuild/netns').filter((n) => !ids.includes(n)) : [];
};
const ownedAllocations = (): string[] => {
  try {
    const a = (JSON.parse(readFileSync('/run/tsbuild/network/state.json', 'utf8')) as { allocations: Record<string, { owner: { pid: number } }> }).allocations;
    return Object.keys(a).filter((id) => a[id]!.owner.pid === process.pid);
  } catch {
    return [];
  }
};
const ownedCgroupRecords = (): string[] =>
  existsSync('/run/tsbuild/cgroups')
    ? readdirSync('/run/tsbuild/cgroups').filter((f) => {
        try {
          return (JSON.parse(readFileSync(`/run/tsbuild/cgroups/${f}`, 'utf8')) as { owner: { pid: number } }).owner.pid === process.pid;
        } catch {
          return false;
        }
      })
    : [];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!!why)('network and cgroup leak check', () => {
  let h: Harness;
  beforeAll(() => {
    h = makeHarness();
  });
  afterAll(() => h?.cleanup());

  it('20 bridge runs with -p leave fds, veths, netns, allocations and cgroups as they were', async () => {
    await runRm(h, ['true']); // warm-up: lazy imports open their files once
    const fdsBefore = fds();
    // a reused machine may keep leftovers of earlier, killed runs: only new ones count
    const vethsBefore = new Set(orphanVeths());
    const netnsBefore = new Set(orphanNetns());
    const port = await freePort();
    for (let i = 0; i < 20; i++) {
      const r = await runRm(h, ['-p', `127.0.0.1:${port}:80`, '--memory', '32m', 'sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes; hostname']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^33554432\n[0-9a-f]{12}\n$/);
    }
    expect(fds()).toBeLessThanOrEqual(fdsBefore);
    expect(orphanVeths().filter((n) => !vethsBefore.has(n))).toEqual([]);
    expect(orphanNetns().filter((n) => !netnsBefore.has(n))).toEqual([]);
    expect(ownedAllocations()).toEqual([]);
    expect(ownedCgroupRecords()).toEqual([]);
    expect(ourMounts(h)).toEqual([]);
    // the port is free again
    await new Promise<void>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => s.close(() => resolve()));
    });
  });
});
