// Platforms as OCI names them (amd64, arm64, arm/v7 — never Node's x64), and
// the eight platform ARGs BuildKit predefines. Pure.

export interface Platform {
  /** `linux` */
  os: string;
  /** OCI architecture: amd64, arm64, arm, 386, ppc64le, s390x, riscv64 … (never Node's x64) */
  architecture: string;
  /** `v7` for arm, `` when none */
  variant?: string;
}

export const PLATFORM_ARGS: readonly string[] = [
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
];

const NODE_TO_OCI_ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

/** Maps Node's `process.arch` (and arm version) to an OCI platform. */
export function platformFromNode(arch: string, os = 'linux', armVersion?: string): Platform {
  const architecture = NODE_TO_OCI_ARCH[arch] ?? arch;
  if (architecture === 'arm') return { os, architecture, variant: `v${armVersion ?? '7'}` };
  return { os, architecture };
}

/** The platform tsbuild runs on. */
export function hostPlatform(): Platform {
  const armVersion = (process.config.variables as Record<string, unknown>)['arm_version'];
  return platformFromNode(process.arch, process.platform, typeof armVersion === 'string' ? armVersion : undefined);
}

const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', i386: '386', i686: '386', armhf: 'arm', armel: 'arm' };

/** Parses `os/arch[/variant]` (`linux/arm64`, `linux/arm/v7`) and normalises aliases as containerd does. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) return undefined;
  const [os, arch, variant] = parts as [string, string, string | undefined];
  const architecture = ARCH_ALIASES[arch] ?? arch;
  if (architecture === 'arm64') return variant === undefined || variant === 'v8' ? { os, architecture } : { os, architecture, variant };
  if (architecture === 'arm') return { os, architecture, variant: variant ?? (arch === 'armel' ? 'v6' : 'v7') };
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

/** The eight platform ARGs and their values. */
export function platformArgs(build: Platform, target: Platform): Map<string, string> {
  return new Map([
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
  ]);
}
