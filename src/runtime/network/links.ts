// ip(8) batches for the bridge, a container's veth pair and its netns.
// Pure builders (one `ip -batch -` script each, table-tested) plus the calls
// through sys/exec (nsenter --net=FILE for the container side).
import { mkdir, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { execTool } from '../sys/exec.js';
import { umount } from '../sys/mount.js';
import { BRIDGE_NAME, type Subnet } from './ipam.js';

export function bridgeScript(subnet: Subnet, bridge = BRIDGE_NAME): string {
  return [`link add ${bridge} type bridge`, `addr add ${subnet.gateway}/${subnet.prefix} dev ${bridge}`, `link set ${bridge} up`, ''].join('\n');
}

/** host side: the pair, the container end moved into the netns FILE, the host end on the bridge */
export function vethHostScript(hostEnd: string, peer: string, netnsFile: string, bridge = BRIDGE_NAME): string {
  return [`link add ${hostEnd} type veth peer name ${peer}`, `link set ${peer} netns ${netnsFile}`, `link set ${hostEnd} master ${bridge} up`, ''].join('\n');
}

/** container side (inside the netns): eth0 with its address, lo, the default route */
export function containerScript(peer: string, ip: string, subnet: Subnet): string {
  return [
    `link set ${peer} name eth0`,
    `addr add ${ip}/${subnet.prefix} dev eth0`,
    'link set eth0 up',
    'link set lo up',
    `route add default via ${subnet.gateway} dev eth0`,
    '',
  ].join('\n');
}

/** interface names from the container id (IFNAMSIZ: at most 15 characters) */
export function vethNames(id: string): { hostEnd: string; peer: string } {
  return { hostEnd: `tsv${id.slice(0, 11)}`, peer: `tsp${id.slice(0, 11)}` };
}

export async function ipBatch(script: string): Promise<void> {
  await execTool('ip', ['-batch', '-'], { input: script });
}

export async function ipBatchIn(netnsFile: string, script: string): Promise<void> {
  await execTool('nsenter', [`--net=${netnsFile}`, '--', 'ip', '-batch', '-'], { input: script });
}

export async function linkExists(name: string): Promise<boolean> {
  const r = await execTool('ip', ['link', 'show', 'dev', name], { allowFailure: true });
  return r.exitCode === 0;
}

/** the names of the host's links (`ip -o link show`; a veth's `@peer` suffix cut) */
export async function listLinks(): Promise<string[]> {
  const r = await execTool('ip', ['-o', 'link', 'show']);
  return r.stdout.split('\n').flatMap((l) => {
    const name = l.split(':')[1]?.trim().split('@')[0];
    return name ? [name] : [];
  });
}

export async function deleteLink(name: string): Promise<void> {
  await execTool('ip', ['link', 'del', 'dev', name], { allowFailure: true });
}

/** a new network namespace kept by a bind mount on FILE (util-linux unshare --net=FILE) */
export async function createNetns(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  await writeFile(file, '', { flag: 'wx', mode: 0o644 });
  try {
    await execTool('unshare', [`--net=${file}`, '--', 'true']);
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
}

/** unmounts and removes a netns file (the namespace dies with its last user) */
export async function removeNetns(file: string): Promise<void> {
  await umount({ target: file, lazy: true }).catch(() => undefined);
  await rm(file, { force: true });
}
