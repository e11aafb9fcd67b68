// The data the pure planner produces and the executor runs: stages in
// dependency order, each step with its cache key, the image config after it
// and exactly what it does (argv, env, sources…), all expanded.
import type { SourceRange } from '../errors.js';
import type { ContainerConfig, HistoryEntry, ImageConfig } from '../image/config.js';
import type { Digest } from '../image/digest.js';

export interface ResolvedBase {
  /** the reference as the FROM line gave it, after expansion */
  ref: string;
  manifestDigest: Digest;
  /** the image ID (config digest) */
  id: Digest;
  config: ImageConfig;
}

export type StageBase =
  | { kind: 'scratch' }
  | { kind: 'image'; ref: string; manifestDigest: Digest; id: Digest }
  | { kind: 'stage'; stage: number };

/** where COPY --from / a bind mount reads from */
export type SourceRef = { kind: 'context' } | { kind: 'stage'; stage: number } | { kind: 'image'; ref: string; id: Digest };

export interface HeredocFile {
  name: string;
  content: string;
  mode: number;
}

export interface CopyOp {
  type: 'copy';
  /** ADD rather than COPY (tar extraction, URLs) */
  add: boolean;
  from: SourceRef;
  /** sources after expansion (context-relative or tree-relative) */
  sources: string[];
  /** URLs (ADD only), with their expected digest when --checksum was given */
  urls: { url: string; checksum?: string; /** without --checksum: the sha256 of what it served when planned (in the key) */ digest?: string }[];
  heredocs: HeredocFile[];
  /** ADD of git repositories (only present when there are some), keyed by the commit their ref named when planned */
  gits?: { remote: string; ref?: string; subdir?: string; keepGitDir: boolean; commit?: string }[];
  /** absolute destination in the image */
  dest: string;
  destIsDir: boolean;
  /** raw user[:group] after expansion, resolved at run time in the stage's /etc/passwd */
  chown?: string;
  /** mode bits (octal --chmod) or a symbolic mode (u+x,go-w), or undefined */
  chmod?: number | string;
  link: boolean;
  parents: boolean;
  excludes: string[];
  /** the working dir at this step (relative destinations are already resolved) */
  workdir: string;
}

export type PlannedMount =
  | { type: 'bind'; target: string; source: string; from: SourceRef; readonly: boolean }
  | { type: 'cache'; target: string; id: string; sharing: 'shared' | 'private' | 'locked'; readonly: boolean; mode: number; uid: number; gid: number; from?: SourceRef; source?: string }
  | { type: 'tmpfs'; target: string; size?: number }
  | { type: 'secret'; id: string; target?: string; env?: string; required: boolean; mode: number; uid: number; gid: number };

export interface RunOp {
  type: 'run';
  argv: string[];
  /** NAME=VALUE: the image's env plus the ARGs in scope (ARGs do not go into the image) */
  env: string[];
  user: string;
  workdir: string;
  mounts: PlannedMount[];
  network: 'default' | 'none' | 'host';
  /** a heredoc with a shebang is written to this file and executed */
  scriptFile?: { path: string; content: string };
}

export interface FromOp {
  type: 'from';
  base: StageBase;
}

export interface MetaOp {
  type: 'meta';
}

export type StepOp = FromOp | CopyOp | RunOp | MetaOp;

export interface PlannedStep {
  /** unique in the build: s<stage>.<index> */
  id: string;
  stage: number;
  /** 1-based within the stage; the FROM is 1 */
  index: number;
  /** steps in the stage */
  total: number;
  instruction: string;
  /** shown to the user: the instruction after expansion */
  label: string;
  range: SourceRange;
  /** hex sha256: this step's cache key (for meta steps, the parent's: they change no files) */
  key: string;
  op: StepOp;
  /** the history entry this step adds (none for FROM) */
  history?: HistoryEntry;
}

export interface PlannedStage {
  index: number;
  /** the AS name or stage-N */
  name: string;
  base: StageBase;
  steps: PlannedStep[];
  /** the stages this one needs (FROM, COPY --from, --mount from) */
  deps: number[];
  /** the image config after the last step (rootfs and history are filled by the executor) */
  config: ContainerConfig;
  /** history inherited from the base image */
  baseHistory: HistoryEntry[];
  /** key of the last filesystem step: the stage's identity */
  finalKey: string;
}

export interface BuildPlan {
  /** only the stages the target needs, in a topological order */
  stages: PlannedStage[];
  target: number;
  /** stages that can run at the same time, level by level */
  levels: number[][];
  /** ISO time for `created` (from SOURCE_DATE_EPOCH, else 1970-01-01T00:00:00Z) */
  created: string;
  sourceDateEpoch: number;
  platform: { os: string; architecture: string; variant?: string };
  /** the final image's config skeleton */
  image: Omit<ImageConfig, 'rootfs' | 'history'>;
}
