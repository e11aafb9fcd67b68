// tsbuild's own nft table: masquerade for traffic leaving the bridge subnet
// and forwarding to/from the bridge. Pure text (nft's language, fed on stdin).
import { BRIDGE_NAME, type Subnet } from './ipam.js';

export const NFT_FAMILY = 'ip';
export const NFT_TABLE = 'tsbuild';

export function natRuleset(subnet: Subnet, bridge = BRIDGE_NAME): string {
  const cidr = `${subnet.network}/${subnet.prefix}`;
  return [
    `table ${NFT_FAMILY} ${NFT_TABLE} {`,
    '\tchain postrouting {',
    '\t\ttype nat hook postrouting priority srcnat; policy accept;',
    `\t\tip saddr ${cidr} oifname != "${bridge}" masquerade`,
    '\t}',
    '\tchain forward {',
    '\t\ttype filter hook forward priority filter; policy accept;',
    `\t\tiifname "${bridge}" accept`,
    `\t\toifname "${bridge}" ct state related,established accept`,
    '\t}',
    '}',
    '',
  ].join('\n');
}
