// RUN networks in a build: by default the bridge (eth0 with an address in
// the bridge subnet and a default route through its gateway), --network=none
// only lo; after the build no veth, netns or address allocation of ours is
// left. Nothing is sent anywhere: the steps only read their own interfaces.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SUBNET } from '../../src/runtime/network/ipam.js';
import { missing } from '../helpers/requires.js';
import { cleanupBusybox, ensureNative, makeStore, type TestStore } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

const STATE = '/run/tsbuild/network/state.json';
const NETNS = '/run/tsbuild/netns';

function allocations(): Record<string, { ip?: string; owner: { pid: number } }> {
  try {
    return (JSON.parse(readFileSync(STATE, 'utf8')) as { allocations: Record<string, { ip?: string; owner: { pid: number } }> }).allocations;
  } catch {
    return {};
  }
}
/** tsbuild veths (host ends) without an allocation: leaks, whoever made them */
function orphanVeths(): string[] {
  const ids = Object.keys(allocations());
  const names = execFileSync('ip', ['-o', 'link', 'show']).toString().split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '');
  return names.filter((n) => n.startsWith('tsv') && !ids.some((id) => n === `tsv${id.slice(0, 11)}`)).sort();
}
function orphanNetns(): string[] {
  const ids = Object.keys(allocations());
  return existsSync(NETNS) ? readdirSync(NETNS).filter((n) => !ids.includes(n)).sort() : [];
}
const ownAllocations = (): string[] => Object.entries(allocations()).filter(([, a]) => a.owner.pid === process.pid).map(([id]) => id);

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}
function inSubnet(ip: string): boolean {
  const size = 2 ** (32 - DEFAULT_SUBNET.prefix);
  return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(DEFAULT_SUBNET.network) / size);
}
/** /proc/net/route holds addresses as little-endian hex */
function routeHex(ip: string): string {
  return ip.split('.').reverse().map((o) => Number(o).toString(16).padStart(2, '0')).join('').toUpperCase();
}
const interfaces = (text: string | undefined): string[] => (text ?? '').split('\n').filter((l) => l !== '');

const BOXFILE = `FROM busybox:latest
RUN tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort > /if-default && cat /proc/net/route > /route-default && (ip -o -4 addr show dev eth0 || true) > /addr-default
RUN --network=none tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort > /if-none
`;

describe.skipIf(!!why)('build: RUN networks', () => {
  let s: TestStore;
  beforeAll(async () => {
    ensureNative();
    s = await makeStore();
  });
  afterAll(() => {
    s?.cleanup();
    cleanupBusybox();
  });

  it('a default RUN is on the bridge, --network=none has only lo, and nothing is left after the build', async () => {
    const vethsBefore = orphanVeths();
    const netnsBefore = orphanNetns();
    expect(ownAllocations()).toEqual([]);

    const ctx = path.join(s.tmp, 'ctx-network');
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, 'Boxfile'), BOXFILE);
    const r = await s.build(['-t', 'netcheck', ctx]);
    expect(r.stderr).not.toContain('ERROR');
    expect(r.code).toBe(0);

    // default: the bridge
    expect(interfaces(await s.file('netcheck', '/if-default'))).toEqual(['eth0', 'lo']);
    const addr = (await s.file('netcheck', '/addr-default')) ?? '';
    const m = /\binet (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(addr);
    expect(m, addr).not.toBeNull();
    const ip = m?.[1] as string;
    expect(inSubnet(ip), `${ip} in ${DEFAULT_SUBNET.network}/${DEFAULT_SUBNET.prefix}`).toBe(true);
    expect(ip).not.toBe(DEFAULT_SUBNET.gateway);
    expect(Number(m?.[2])).toBe(DEFAULT_SUBNET.prefix);
    const routes = ((await s.file('netcheck', '/route-default')) ?? '').split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    const defaults = routes.filter((f) => f[1] === '00000000' && f[7] === '00000000');
    expect(defaults.map((f) => [f[0], f[2]])).toEqual([['eth0', routeHex(DEFAULT_SUBNET.gateway)]]);

    // --network=none: loopback only
    expect(interfaces(await s.file('netcheck', '/if-none'))).toEqual(['lo']);

    // released: no allocation of ours (nor the step's address), no new orphan veth or netns
    expect(ownAllocations()).toEqual([]);
    expect(Object.values(allocations()).filter((a) => a.ip === ip && a.owner.pid === process.pid)).toEqual([]);
    expect(orphanVeths().filter((v) => !vethsBefore.includes(v))).toEqual([]);
    expect(orphanNetns().filter((n) => !netnsBefore.includes(n))).toEqual([]);
  });

  it('the network mode stays in the RUN cache key: a rebuild is cached, --network=host is not', async () => {
    const ctx = path.join(s.tmp, 'ctx-network');
    const again = await s.build(['-t', 'netcheck2', ctx]);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/CACHED/g)?.length).toBe(2);
    const host = await s.build(['-t', 'netcheck3', '--network', 'host', ctx]);
    expect(host.code).toBe(0);
    // the default RUN runs again on the host network (and so does the next one: its parent changed)
    expect(host.stderr.match(/CACHED/g) ?? []).toEqual([]);
    expect(interfaces(await s.file('netcheck3', '/if-default')).length).toBeGreaterThan(2);
    expect(ownAllocations()).toEqual([]);
  });
});
