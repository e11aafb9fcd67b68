// The OCI image configuration (with Docker's extra fields), and helpers to
// build one. Config bytes, once written, are the image's identity (its ID is
// their sha256): they are stored and moved verbatim, never re-serialised.
import type { Digest } from './digest.js';

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The `config` member: what a container of this image starts with. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: HistoryEntry[];
}

/** Node's process.arch → OCI/Go architecture names. */
export function ociArchitecture(nodeArch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return map[nodeArch] ?? nodeArch;
}

/**
 * The creation time for reproducible images: SOURCE_DATE_EPOCH when set (a
 * whole number of seconds), else the Unix epoch. Never the wall clock.
 */
export function reproducibleCreated(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.SOURCE_DATE_EPOCH;
  const secs = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 0;
  return new Date(secs * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

/**
 * Serialises a config deterministically: members in a fixed order (the
 * order objects were built in), no whitespace. Only for configs made here.
 */
export function serializeConfig(config: ImageConfig): Buffer {
  return Buffer.from(JSON.stringify(config), 'utf8');
}

export function parseConfig(bytes: Uint8Array, what: string): ImageConfig {
  const c = JSON.parse(Buffer.from(bytes).toString('utf8')) as ImageConfig;
  if (typeof c !== 'object' || c === null || !c.rootfs || !Array.isArray(c.rootfs.diff_ids)) {
    throw new Error(`${what}: not an image config (no rootfs.diff_ids)`);
  }
  return c;
}
