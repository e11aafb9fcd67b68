// Network flags, the address allocator, ip batch scripts and tsbuild's nft
// table text: pure, table tests.
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { allocateAddress, DEFAULT_SUBNET, intToIp, ipToInt, overlaps } from '../../src/runtime/network/ipam.js';
import { bridgeScript, containerScript, vethHostScript, vethNames } from '../../src/runtime/network/links.js';
import { natRuleset } from '../../src/runtime/network/nat-rules.js';
import { allMappings, networkFlags, parsePublish, toNetworkOptions } from '../../src/runtime/network/options.js';

const opts = (...argv: string[]) => toNetworkOptions(parseArgs(argv, networkFlags));

describe('network flags', () => {
  it.each([
    ['80', [{ hostIp: '0.0.0.0', hostPort: 0, containerPort: 80, protocol: 'tcp' }]],
    ['8080:80', [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]],
    ['127.0.0.1:8080:80/udp', [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' }]],
    ['127.0.0.1::80', [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }]],
    [':9000:90', [{ hostIp: '0.0.0.0', hostPort: 9000, containerPort: 90, protocol: 'tcp' }]],
    ['8000-8001:80-81', [
      { hostIp: '0.0.0.0', hostPort: 8000, containerPort: 80, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 8001, containerPort: 81, protocol: 'tcp' },
    ]],
  ])('-p %s', (v, want) => expect(parsePublish(v)).toEqual(want));

  it.each([
    ['70000', /port 70000 is out of range/],
    ['x:80', /"x" is not a port number/],
    ['1.2.3:80:80', /"1.2.3" is not an IPv4 address/],
    ['80/sctp', /protocol "sctp" is not supported/],
    ['8000-8002:80-81', /ranges differ in size/],
    ['a:b:c:d', /expected \[IP:\]/],
  ])('-p %s is a usage error', (v, re) => expect(() => parsePublish(v)).toThrow(re));

  it('defaults to bridge; refuses ports outside it; -P adds exposed ports not published', () => {
    expect(opts()).toEqual({ mode: 'bridge', publish: [], publishAll: false });
    expect(opts('--network', 'none').mode).toBe('none');
    expect(() => opts('--network', 'mynet')).toThrow(/--network mynet: use none, host or bridge/);
    expect(() => opts('--network', 'host', '-p', '80')).toThrow(/only be published on the bridge/);
    const o = opts('-P', '-p', '127.0.0.1:8080:80');
    expect(allMappings(o, ['80/tcp', '53/udp', '443']).map((m) => `${m.hostIp}:${m.hostPort}:${m.containerPort}/${m.protocol}`))
      .toEqual(['127.0.0.1:8080:80/tcp', '0.0.0.0:0:53/udp', '0.0.0.0:0:443/tcp']);
  });
});

describe('address allocator', () => {
  it('skips network, gateway and addresses in use; goes round-robin after the last', () => {
    expect(allocateAddress(DEFAULT_SUBNET, new Set())).toBe('172.29.0.2');
    expect(allocateAddress(DEFAULT_SUBNET, new Set(['172.29.0.2', '172.29.0.3']))).toBe('172.29.0.4');
    expect(allocateAddress(DEFAULT_SUBNET, new Set(), '172.29.0.7')).toBe('172.29.0.8');
    expect(allocateAddress(DEFAULT_SUBNET, new Set(), '172.29.0.255')).toBe('172.29.1.0');
    // wraps past the broadcast address, never hands it out
    expect(allocateAddress(DEFAULT_SUBNET, new Set(), '172.29.255.254')).toBe('172.29.0.2');
  });

  it('reports a full subnet', () => {
    const tiny = { network: '10.1.0.0', prefix: 30, gateway: '10.1.0.1' };
    expect(allocateAddress(tiny, new Set())).toBe('10.1.0.2');
    expect(allocateAddress(tiny, new Set(['10.1.0.2']))).toBeUndefined();
  });

  it('converts and compares subnets', () => {
    expect(intToIp(ipToInt('172.29.3.4'))).toBe('172.29.3.4');
    expect(overlaps(DEFAULT_SUBNET, '172.29.5.0/24')).toBe(true);
    expect(overlaps(DEFAULT_SUBNET, '172.16.0.0/12')).toBe(true);
    expect(overlaps(DEFAULT_SUBNET, '192.0.2.0/24')).toBe(false);
    expect(overlaps(DEFAULT_SUBNET, '10.88.0.0/16')).toBe(false);
  });
});

describe('ip scripts and the nft table', () => {
  it('names veths within IFNAMSIZ and builds the batches', () => {
    const n = vethNames('0123456789abcdef'.repeat(4));
    expect(n).toEqual({ hostEnd: 'tsv0123456789a', peer: 'tsp0123456789a' });
    expect(n.hostEnd.length).toBeLessThanOrEqual(15);
    expect(bridgeScript(DEFAULT_SUBNET)).toBe('link add tsbuild0 type bridge\naddr add 172.29.0.1/16 dev tsbuild0\nlink set tsbuild0 up\n');
    expect(vethHostScript('tsvA', 'tspA', '/run/tsbuild/netns/x')).toBe('link add tsvA type veth peer name tspA\nlink set tspA netns /run/tsbuild/netns/x\nlink set tsvA master tsbuild0 up\n');
    expect(containerScript('tspA', '172.29.0.9', DEFAULT_SUBNET).split('\n')).toEqual([
      'link set tspA name eth0', 'addr add 172.29.0.9/16 dev eth0', 'link set eth0 up', 'link set lo up', 'route add default via 172.29.0.1 dev eth0', '',
    ]);
  });

  it('masquerades only traffic from the subnet that leaves the bridge', () => {
    const r = natRuleset(DEFAULT_SUBNET);
    expect(r).toMatch(/^table ip tsbuild \{/);
    expect(r).toContain('type nat hook postrouting priority srcnat; policy accept;');
    expect(r).toContain('ip saddr 172.29.0.0/16 oifname != "tsbuild0" masquerade');
    expect(r).toContain('iifname "tsbuild0" accept');
  });
});
