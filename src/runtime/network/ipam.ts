// The bridge subnet and a small address allocator. Pure: the host-wide
// state (which addresses are in use, the last one handed out) is passed in.
// Round-robin after the last allocation, so an address just released is not
// reused at once.

/** 172.29.0.0/16: not podman's 10.88/16 nor Docker's 172.17/16 */
export const BRIDGE_NAME = 'tsbuild0';
export const SUBNET = '172.29.0.0';
export const PREFIX = 16;
export const GATEWAY = '172.29.0.1';

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new RangeError(`not an IPv4 address: ${ip}`);
  return (((p[0] as number) << 24) >>> 0) + ((p[1] as number) << 16) + ((p[2] as number) << 8) + (p[3] as number);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Subnet {
  network: string;
  prefix: number;
  gateway: string;
}

export const DEFAULT_SUBNET: Subnet = { network: SUBNET, prefix: PREFIX, gateway: GATEWAY };

/** the next free host address after LAST (wrapping), or undefined when the subnet is full */
export function allocateAddress(subnet: Subnet, inUse: ReadonlySet<string>, last?: string): string | undefined {
  const base = ipToInt(subnet.network);
  const size = 2 ** (32 - subnet.prefix);
  const first = base + 1;
  const lastHost = base + size - 2;
  const gw = ipToInt(subnet.gateway);
  const start = last !== undefined ? ipToInt(last) + 1 : first;
  const count = lastHost - first + 1;
  for (let i = 0; i < count; i++) {
    let n = start + i;
    if (n > lastHost || n < first) n = first + ((n - first) % count + count) % count;
    if (n === gw) continue;
    const ip = intToIp(n);
    if (!inUse.has(ip)) return ip;
  }
  return undefined;
}

/** does a CIDR on the host overlap ours? ("192.0.2.0/24") */
export function overlaps(subnet: Subnet, cidr: string): boolean {
  const [ip, len] = cidr.split('/') as [string, string | undefined];
  const plen = len === undefined ? 32 : Number(len);
  const p = Math.min(plen, subnet.prefix);
  const mask = p === 0 ? 0 : (~0 << (32 - p)) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(subnet.network) & mask) >>> 0);
}
