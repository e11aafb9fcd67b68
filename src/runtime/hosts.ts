// The files bound over the container's /etc/hostname, /etc/hosts and
// /etc/resolv.conf. Pure text builders; container.ts writes them.

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/** Docker's /etc/hosts for a container without a network address (--network none) */
export function hostsFile(extra: readonly { ip: string; names: string[] }[] = []): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...extra.map((e) => `${e.ip}\t${e.names.join(' ')}`),
  ];
  return lines.join('\n') + '\n';
}

/**
 * The host's resolv.conf with loopback name servers removed (they cannot be
 * reached from the container's network namespace), as Docker filters it.
 */
export function resolvConfFile(hostText: string | undefined): string {
  if (hostText === undefined) return '';
  const out = hostText
    .split('\n')
    .filter((line) => !/^\s*nameserver\s+(127\.\d+\.\d+\.\d+|::1)\s*$/.test(line));
  return out.join('\n').replace(/\n*$/, '\n');
}
