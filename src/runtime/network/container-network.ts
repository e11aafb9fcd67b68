// The one call `run` makes for networking: --network none (a netns with only
// lo, up), host (the host's, nothing made) or bridge (tsbuild0 on first use,
// a veth pair with eth0 in a netns made here, an address from the host-wide
// allocator, outbound NAT in tsbuild's nft table, the published ports'
// proxies). The netns is handed to boxinit as netnsPath. Every step is
// recorded before it is taken, so release() — and the next command after a
// killed tsbuild — removes exactly what was made.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import { nft, nftListTable, NFT_FILE_ARGV } from '../sys/nft.js';
import { isAlive, type ProcessRef } from '../state.js';
import { readNetworkState, updateNetworkState, type Allocation, type NetworkState } from './host-state.js';
import { allocateAddress, BRIDGE_NAME, DEFAULT_SUBNET, overlaps, type Subnet } from './ipam.js';
import { bridgeScript, containerScript, createNetns, deleteLink, ipBatch, ipBatchIn, linkExists, removeNetns, vethHostScript, vethNames } from './links.js';
import { natRuleset, NFT_FAMILY, NFT_TABLE } from './nat-rules.js';
import { allMappings, type NetworkMode, type NetworkOptions, type PortMapping } from './options.js';
import { netnsDir } from './run-dir.js';
import { execTool } from '../sys/exec.js';

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

export interface ContainerNetwork {
  mode: NetworkMode;
  /** the netns for boxinit (BoxinitConfig.netnsPath); undefined for host */
  netnsPath?: string;
  /** host mode: the container shares the host's network namespace (drop 'net' from the namespaces) */
  shareHost: boolean;
  ip?: string;
  gateway?: string;
  /** the published ports with the host ports actually bound */
  ports: PortMapping[];
  /** extra /etc/hosts lines (hostsFile's `extra`) */
  hosts: { ip: string; names: string[] }[];
  release(): Promise<void>;
}

export interface NetworkRequest {
  id: string;
  options: NetworkOptions;
  /** the image's ExposedPorts keys ("80/tcp"), for -P */
  exposed: readonly string[];
  hostname: string;
  name?: string;
  owner: ProcessRef;
  subnet?: Subnet;
}

/** removes what a dead owner's allocation made; call under the lock */
async function releaseAllocation(a: Allocation): Promise<void> {
  if (a.veth) await deleteLink(a.veth);
  await removeNetns(a.netns);
}

/** does S hold an allocation whose owner is gone? (read without the lock: the state is replaced whole) */
async function hasStaleAllocation(s: NetworkState): Promise<boolean> {
  for (const a of Object.values(s.allocations)) if (!(await isAlive(a.owner))) return true;
  return false;
}

export async function reclaimAllocations(s: NetworkState): Promise<string[]> {
  const gone: string[] = [];
  for (const a of Object.values(s.allocations)) {
    if (await isAlive(a.owner)) continue;
    await releaseAllocation(a).catch(() => undefined);
    delete s.allocations[a.id];
    gone.push(a.id);
  }
  return gone;
}

async function hostRoutesOverlapping(subnet: Subnet): Promise<string[]> {
  const r = await execTool('ip', ['-j', 'route', 'show'], { allowFailure: true });
  let routes: { dst?: string; dev?: string }[] = [];
  try {
    routes = JSON.parse(r.stdout) as typeof routes;
  } catch {
    return [];
  }
  return routes.filter((x) => x.dst && x.dst !== 'default' && x.dev !== BRIDGE_NAME && overlaps(subnet, x.dst)).map((x) => `${x.dst} dev ${x.dev}`);
}

/** bridge + forwarding + NAT table, each made once; call under the lock */
async function ensureBridge(s: NetworkState, subnet: Subnet): Promise<void> {
  if (!(await linkExists(BRIDGE_NAME))) {
    const clash = await hostRoutesOverlapping(subnet);
    if (clash.length > 0) {
      throw new TsbuildError('runtime', 'SUBNET_IN_USE', `the bridge subnet ${subnet.network}/${subnet.prefix} overlaps a host route (${clash.join(', ')})`);
    }
    await ipBatch(bridgeScript(subnet));
  }
  const fwd = (await readFile(IP_FORWARD, 'utf8')).trim();
  if (fwd !== '1') {
    s.ipForwardBefore ??= fwd;
    await writeFile(IP_FORWARD, '1');
  }
  if ((await nftListTable(NFT_FAMILY, NFT_TABLE)) === undefined) await nft(NFT_FILE_ARGV, natRuleset(subnet));
}

export async function setUpNetwork(req: NetworkRequest): Promise<ContainerNetwork> {
  const mode = req.options.mode;
  if (mode === 'host') return { mode, shareHost: true, ports: [], hosts: [], release: async () => undefined };
  // none: boxinit's own `unshare --net` makes the namespace and brings `lo` up itself (no persistent netns, no `ip` launches)
  if (mode === 'none') {
    // still reclaim what a killed tsbuild left: a state read, and the lock
    // only when the state names an owner that is gone (no write otherwise)
    if (await hasStaleAllocation(await readNetworkState())) {
      await updateNetworkState(async (s) => {
        await reclaimAllocations(s);
      });
    }
    return { mode, shareHost: false, ports: [], hosts: [], release: async () => undefined };
  }
  const subnet = req.subnet ?? DEFAULT_SUBNET;
  const netns = path.join(netnsDir(), req.id);
  const { hostEnd, peer } = vethNames(req.id);
  const mappings = allMappings(req.options, req.exposed);

  let released = false;
  let proxiesClose: (() => Promise<void>) | undefined;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    await proxiesClose?.();
    await updateNetworkState(async (s) => {
      // what this call made, by name: also when its allocation is gone (a
      // command that took this process for dead reclaimed it before the veth
      // and netns existed), so nothing is left without a record
      const a = s.allocations[req.id] ?? { id: req.id, owner: req.owner, netns, ports: [], ...(mode === 'bridge' ? { veth: hostEnd } : {}) };
      await releaseAllocation(a);
      delete s.allocations[req.id];
    });
  };

  const ip = await updateNetworkState(async (s) => {
    await reclaimAllocations(s);
    let addr: string | undefined;
    if (mode === 'bridge') {
      await ensureBridge(s, subnet);
      const inUse = new Set(Object.values(s.allocations).flatMap((a) => (a.ip ? [a.ip] : [])));
      addr = allocateAddress(subnet, inUse, s.last);
      if (!addr) throw new TsbuildError('runtime', 'NO_ADDRESS', `no free address left in ${subnet.network}/${subnet.prefix}`);
      s.last = addr;
    }
    // recorded before anything is made: a crash from here on is reclaimed
    s.allocations[req.id] = { id: req.id, owner: req.owner, netns, ports: [], ...(addr ? { ip: addr, veth: hostEnd } : {}) };
    return addr;
  });
  try {
    await createNetns(netns);
    await ipBatch(vethHostScript(hostEnd, peer, netns));
    await ipBatchIn(netns, containerScript(peer, ip as string, subnet));
    let ports: PortMapping[] = [];
    if (mode === 'bridge' && mappings.length > 0) {
      // node:net and node:dgram, loaded only when ports are published
      const { startPortProxies } = await import('./proxy.js');
      const proxies = await startPortProxies(mappings, ip as string);
      proxiesClose = proxies.close;
      ports = proxies.ports;
      await updateNetworkState(async (s) => {
        const a = s.allocations[req.id];
        if (a) a.ports = ports;
      });
    }
    const names = [...new Set([req.hostname, ...(req.name ? [req.name] : [])])];
    return {
      mode,
      netnsPath: netns,
      shareHost: false,
      ...(ip ? { ip, gateway: subnet.gateway } : {}),
      ports,
      hosts: ip ? [{ ip, names }] : [],
      release,
    };
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
}
