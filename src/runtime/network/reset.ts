// `tsbuild system reset` for the network: removes tsbuild's nft table, the
// tsbuild0 bridge and the host-wide state, restores net.ipv4.ip_forward — but
// only when no live container still uses the network (unless forced).
import { readdir, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import { nft, nftDeleteTableArgv, nftListTable } from '../sys/nft.js';
import { reclaimAllocations } from './container-network.js';
import { updateNetworkState } from './host-state.js';
import { BRIDGE_NAME } from './ipam.js';
import { deleteLink, linkExists, listLinks, removeNetns } from './links.js';
import { NFT_FAMILY, NFT_TABLE } from './nat-rules.js';
import { netnsDir, runDir } from './run-dir.js';

export interface NetworkResetResult {
  removed: string[];
}

export async function resetNetwork(): Promise<NetworkResetResult> {
  const removed: string[] = [];
  await updateNetworkState(async (s) => {
    const reclaimed = await reclaimAllocations(s);
    if (reclaimed.length > 0) removed.push(`${reclaimed.length} stale allocation(s)`);
    const live = Object.keys(s.allocations);
    if (live.length > 0) {
      throw new TsbuildError('runtime', 'NETWORK_IN_USE', `${live.length} running container(s) still use the network: ${live.map((i) => i.slice(0, 12)).join(', ')}`);
    }
    if ((await nftListTable(NFT_FAMILY, NFT_TABLE)) !== undefined) {
      await nft(nftDeleteTableArgv(NFT_FAMILY, NFT_TABLE));
      removed.push(`nft table ${NFT_FAMILY} ${NFT_TABLE}`);
    }
    if (await linkExists(BRIDGE_NAME)) {
      await deleteLink(BRIDGE_NAME);
      removed.push(`bridge ${BRIDGE_NAME}`);
    }
    if (s.ipForwardBefore !== undefined) {
      await writeFile('/proc/sys/net/ipv4/ip_forward', s.ipForwardBefore);
      removed.push(`net.ipv4.ip_forward=${s.ipForwardBefore} restored`);
      delete s.ipForwardBefore;
    }
    // what no allocation names is left over from a crash: no container uses it
    for (const name of await listLinks()) {
      if (!name.startsWith('tsv')) continue;
      await deleteLink(name);
      removed.push(`veth ${name}`);
    }
    for (const file of await readdir(netnsDir()).catch(() => [] as string[])) {
      await removeNetns(path.join(netnsDir(), file));
      removed.push(`netns ${file.slice(0, 12)}`);
    }
    delete s.last;
    // under the lock and never recursive: a netns file of a container starting right now stays
    await rmdir(netnsDir()).catch(() => undefined);
  });
  // the read-only /sys/fs/cgroup skeleton containers share (cgroups/container-mounts.ts):
  // empty dirs only, never recursive; the next container makes it again
  const skeleton = path.join(runDir(), 'cgroupfs');
  const names = await readdir(skeleton).catch(() => undefined);
  if (names !== undefined) {
    for (const n of names) await rmdir(path.join(skeleton, n)).catch(() => undefined);
    if (await rmdir(skeleton).then(() => true, () => false)) removed.push(`${skeleton}`);
  }
  return { removed };
}
