// ip(8) from iproute2 (pure argv + one call), optionally inside a container's
// network namespace via `ip -n NAME` or a netns path through nsenter.
import { execTool, type ExecResult } from './exec.js';

export interface IpRequest {
  /** a named netns (/run/netns/NAME) */
  netns?: string;
  /** ask for JSON output */
  json?: boolean;
  /** e.g. ['link', 'show'] */
  args: readonly string[];
}

export function ipArgv(r: IpRequest): string[] {
  if (r.args.length === 0) throw new RangeError('ip: no object given');
  return [...(r.json ? ['-j'] : []), ...(r.netns ? ['-n', r.netns] : []), ...r.args];
}

export async function ip(r: IpRequest): Promise<ExecResult> {
  return execTool('ip', ipArgv(r));
}

/** the names of the network interfaces (ip -j link show) */
export async function linkNames(netns?: string): Promise<string[]> {
  const out = await ip({ json: true, args: ['link', 'show'], ...(netns ? { netns } : {}) });
  return (JSON.parse(out.stdout) as { ifname: string }[]).map((l) => l.ifname);
}
