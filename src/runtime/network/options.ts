// The network flags of `tsbuild run` → NetworkOptions. Pure; usage errors
// name the flag. Docker's syntax: --network none|host|bridge,
// -p [IP:][HOSTPORT:]CTRPORT[/tcp|udp] (ranges as START-END), -P.
import type { FlagSpec, ParsedArgs } from '../../cli/args.js';
import { flagBool, flagList, flagString } from '../../cli/args.js';
import { usageError } from '../../errors.js';
import { isIPv4 } from 'node:net';

export const networkFlags: readonly FlagSpec[] = [
  { name: 'network', kind: 'string', value: 'none|host|bridge', description: 'network mode (default bridge)' },
  { name: 'publish', short: 'p', kind: 'list', value: '[IP:]HOSTPORT:CTRPORT[/PROTO]', description: "publish a container's port on the host" },
  { name: 'publish-all', short: 'P', kind: 'bool', description: 'publish every exposed port on a random host port' },
];

export type NetworkMode = 'none' | 'host' | 'bridge';
export type Protocol = 'tcp' | 'udp';

export interface PortMapping {
  /** '0.0.0.0' by default, as Docker */
  hostIp: string;
  /** 0: any free port */
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
}

export interface NetworkOptions {
  mode: NetworkMode;
  publish: PortMapping[];
  publishAll: boolean;
}

function port(flag: string, s: string): number {
  if (!/^\d+$/.test(s)) throw usageError(`${flag}: ${JSON.stringify(s)} is not a port number`);
  const n = Number(s);
  if (n < 1 || n > 65535) throw usageError(`${flag}: port ${n} is out of range (1-65535)`);
  return n;
}

function range(flag: string, s: string): [number, number] {
  const [a, b] = s.split('-') as [string, string | undefined];
  const lo = port(flag, a);
  const hi = b === undefined ? lo : port(flag, b);
  if (hi < lo) throw usageError(`${flag}: the range ${s} is reversed`);
  return [lo, hi];
}

/** one -p value → one mapping per port of its range */
export function parsePublish(value: string): PortMapping[] {
  const flag = `-p ${value}`;
  let rest = value;
  let protocol: Protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    const p = rest.slice(slash + 1).toLowerCase();
    if (p !== 'tcp' && p !== 'udp') throw usageError(`${flag}: protocol ${JSON.stringify(p)} is not supported (tcp or udp)`);
    protocol = p;
    rest = rest.slice(0, slash);
  }
  const parts = rest.split(':');
  let hostIp = '0.0.0.0';
  let hostPart = '';
  let ctrPart: string;
  if (parts.length === 1) ctrPart = parts[0] as string;
  else if (parts.length === 2) [hostPart, ctrPart] = parts as [string, string];
  else if (parts.length === 3) {
    [hostIp, hostPart, ctrPart] = parts as [string, string, string];
    if (hostIp === '') hostIp = '0.0.0.0';
    if (!isIPv4(hostIp)) throw usageError(`${flag}: ${JSON.stringify(hostIp)} is not an IPv4 address`);
  } else throw usageError(`${flag}: expected [IP:][HOSTPORT:]CONTAINERPORT[/PROTOCOL]`);
  const [clo, chi] = range(flag, ctrPart);
  if (hostPart === '') {
    const out: PortMapping[] = [];
    for (let c = clo; c <= chi; c++) out.push({ hostIp, hostPort: 0, containerPort: c, protocol });
    return out;
  }
  const [hlo, hhi] = range(flag, hostPart);
  if (hhi - hlo !== chi - clo) throw usageError(`${flag}: the host and container ranges differ in size`);
  const out: PortMapping[] = [];
  for (let i = 0; i <= chi - clo; i++) out.push({ hostIp, hostPort: hlo + i, containerPort: clo + i, protocol });
  return out;
}

/** "80/tcp", "53/udp" (an image's ExposedPorts keys) → mappings to random host ports */
export function exposedMappings(exposed: readonly string[]): PortMapping[] {
  const out: PortMapping[] = [];
  for (const e of exposed) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/i.exec(e.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    for (let p = lo; p <= hi && p <= 65535; p++) out.push({ hostIp: '0.0.0.0', hostPort: 0, containerPort: p, protocol: (m[3]?.toLowerCase() ?? 'tcp') as Protocol });
  }
  return out;
}

/** -p entries first; -P adds exposed ports not already published */
export function allMappings(o: NetworkOptions, exposed: readonly string[]): PortMapping[] {
  const out = [...o.publish];
  if (o.publishAll) {
    for (const m of exposedMappings(exposed)) {
      if (!out.some((x) => x.containerPort === m.containerPort && x.protocol === m.protocol)) out.push(m);
    }
  }
  return out;
}

export function toNetworkOptions(args: ParsedArgs): NetworkOptions {
  const mode = flagString(args, 'network') ?? 'bridge';
  if (mode !== 'none' && mode !== 'host' && mode !== 'bridge') {
    throw usageError(`--network ${mode}: use none, host or bridge (user-defined networks are not supported)`);
  }
  const publish = flagList(args, 'publish').flatMap(parsePublish);
  const publishAll = flagBool(args, 'publish-all');
  if (mode !== 'bridge' && (publish.length > 0 || publishAll)) {
    // Docker: published ports are discarded in host mode; none cannot publish
    throw usageError(`--network ${mode}: ports can only be published on the bridge network`);
  }
  return { mode, publish, publishAll };
}
