// Platforms: parsing `--platform os/arch[/variant]`, the host's platform in
// OCI names (amd64, arm64, not Node's x64), and picking a manifest from an
// index the way containerd's default matcher does. Pure.
import { usageError } from '../../errors.js';

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

const nodeToOciArch: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

const archAliases: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  i386: '386',
  i686: '386',
  armhf: 'arm',
  armel: 'arm',
};

export function ociArch(arch: string): string {
  return nodeToOciArch[arch] ?? archAliases[arch] ?? arch;
}

export function hostPlatform(nodeArch: string = process.arch, nodePlatform: string = process.platform): PlatformSpec {
  const p: PlatformSpec = { os: nodePlatform === 'win32' ? 'windows' : nodePlatform, architecture: ociArch(nodeArch) };
  if (p.architecture === 'arm64') p.variant = 'v8';
  return p;
}

/** `linux/amd64`, `linux/arm64/v8`, `linux/arm/v7`; `amd64` alone means linux. */
export function parsePlatform(s: string): PlatformSpec {
  const parts = s.trim().toLowerCase().split('/');
  if (parts.some((p) => p === '') || parts.length > 3) throw usageError(`invalid platform '${s}': want OS/ARCH[/VARIANT]`);
  if (parts.length === 1) return normalizePlatform({ os: 'linux', architecture: parts[0] as string });
  const p: PlatformSpec = { os: parts[0] as string, architecture: parts[1] as string };
  if (parts[2] !== undefined) p.variant = parts[2];
  return normalizePlatform(p);
}

export function normalizePlatform(p: PlatformSpec): PlatformSpec {
  const architecture = ociArch(p.architecture);
  let variant = p.variant;
  if (architecture === 'arm64' && (variant === undefined || variant === '8')) variant = 'v8';
  if (architecture === 'arm' && variant !== undefined && /^\d$/.test(variant)) variant = `v${variant}`;
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  const out: PlatformSpec = { os: p.os, architecture };
  if (variant !== undefined) out.variant = variant;
  return out;
}

export function formatPlatform(p: PlatformSpec): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

export function platformMatches(want: PlatformSpec, have: { os?: string; architecture?: string; variant?: string } | undefined): boolean {
  if (!have || !have.os || !have.architecture) return false;
  const w = normalizePlatform(want);
  const h = normalizePlatform({ os: have.os, architecture: have.architecture, ...(have.variant ? { variant: have.variant } : {}) });
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  if (w.variant === undefined || h.variant === undefined) return true;
  return w.variant === h.variant;
}

export interface IndexEntry {
  mediaType?: string;
  digest: string;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

/**
 * Picks the entry for the platform: an exact variant match first, then one
 * with no variant; attestation manifests (platform unknown/unknown) never match.
 */
export function selectPlatform<T extends IndexEntry>(entries: readonly T[], want: PlatformSpec): T | undefined {
  const w = normalizePlatform(want);
  const candidates = entries.filter((e) => e.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' && platformMatches(w, e.platform));
  const exact = candidates.find((e) => normalizePlatform({ os: e.platform!.os!, architecture: e.platform!.architecture!, ...(e.platform!.variant ? { variant: e.platform!.variant } : {}) }).variant === w.variant);
  return exact ?? candidates[0];
}
