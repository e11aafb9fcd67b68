// The typed instructions of a Boxfile: one tagged union member per
// instruction, each carrying its source range, each flag carrying its own.
// Every string here is RAW: exactly as written (after line continuations and
// flag unquoting), never variable-expanded. Expansion happens when a step is
// planned, with the ARG/ENV scope of that point (see scope.ts / words.ts).
//
// This file is a contract (the builder and scope.ts code against it): only add.
import type { SourceRange } from '../errors.js';

export type { SourceRange } from '../errors.js';

/** a raw word of the instruction with where it was written */
export interface Word {
  text: string;
  range: SourceRange;
}

/** a `--name=value` flag: `value` is undefined for a bare `--name` */
export interface Flag {
  name: string;
  value: string | undefined;
  range: SourceRange;
}

/** the value of a flag, with the range of the whole flag */
export interface FlagValue<T> {
  value: T;
  range: SourceRange;
}

/** a Go-style duration (`30s`, `1m30s`, `1.5h`) */
export interface Duration {
  /** as written */
  text: string;
  /** in nanoseconds (what an image config stores) */
  nanoseconds: number;
  range: SourceRange;
}

/** a heredoc attached to RUN, COPY or ADD (`<<EOF`, `<<-'EOF'`, `3<<EOF`) */
export interface Heredoc {
  /** the terminator word, quotes removed */
  name: string;
  /** `3<<EOF` → 3; 0 when not given */
  fileDescriptor: number;
  /** false when any part of the delimiter was quoted: the body is not expanded */
  expand: boolean;
  /** `<<-`: leading tabs are removed from the body (use chompHeredoc) */
  chomp: boolean;
  /** the raw body: every body line with its own line ending, leading tabs kept */
  content: string;
  /** the `<<…` word on the instruction line */
  range: SourceRange;
  /** the body lines, terminator excluded (empty body: start = end = terminator line) */
  bodyRange: SourceRange;
}

/** exec form (`["a","b"]`, JSON) or shell form (`a b`, run by the SHELL) */
export type CommandLine =
  | { form: 'exec'; args: string[]; range: SourceRange }
  | { form: 'shell'; text: string; range: SourceRange };

interface Base<K extends string> {
  kind: K;
  /** the whole instruction, continuation lines included, heredoc bodies excluded */
  range: SourceRange;
  /** the keyword as written (`Run`, `COPY`) */
  keyword: string;
  /** every flag as written, in order (the typed fields below are derived from these) */
  flags: Flag[];
}

// ---------------------------------------------------------------- FROM
export interface FromInstruction extends Base<'from'> {
  /** `FROM ${BASE}` stays `${BASE}` */
  image: Word;
  /** `AS name` */
  stageName?: Word;
  platform?: FlagValue<string>;
}

// ---------------------------------------------------------------- RUN
export interface MountBase {
  range: SourceRange;
  /** the raw `--mount=` value */
  text: string;
}

export interface BindMount extends MountBase {
  type: 'bind';
  /** '' when not given: the working directory */
  target: string;
  /** path in `from` (or the context); default the root */
  source?: string;
  /** stage name, stage index or image; default the build context */
  from?: string;
  /** bind mounts are read-only unless `rw`/`readwrite` */
  readonly: boolean;
}

export interface CacheMount extends MountBase {
  type: 'cache';
  target: string;
  /** default: the target */
  id?: string;
  sharing: 'shared' | 'private' | 'locked';
  from?: string;
  source?: string;
  readonly: boolean;
  /** raw octal text, e.g. `0755` (default 0755) */
  mode?: string;
  uid?: string;
  gid?: string;
}

export interface TmpfsMount extends MountBase {
  type: 'tmpfs';
  target: string;
  /** raw size (`64m`, bytes) */
  size?: string;
}

export interface SecretMount extends MountBase {
  type: 'secret';
  /** default: basename of target */
  id?: string;
  /** default /run/secrets/<id> unless `env` is given */
  target?: string;
  /** expose the secret as this environment variable */
  env?: string;
  required: boolean;
  /** raw octal text (default 0400) */
  mode?: string;
  uid?: string;
  gid?: string;
}

export interface SshMount extends MountBase {
  type: 'ssh';
  /** default `default` */
  id?: string;
  /** default /run/buildkit/ssh_agent.N */
  target?: string;
  required: boolean;
  /** raw octal text (default 0600) */
  mode?: string;
  uid?: string;
  gid?: string;
}

export type Mount = BindMount | CacheMount | TmpfsMount | SecretMount | SshMount;

export interface RunInstruction extends Base<'run'> {
  command: CommandLine;
  mounts: Mount[];
  network?: FlagValue<'default' | 'none' | 'host'>;
  security?: FlagValue<'sandbox' | 'insecure'>;
  heredocs: Heredoc[];
}

// ---------------------------------------------------------------- COPY / ADD
interface CopyLike<K extends 'copy' | 'add'> extends Base<K> {
  sources: Word[];
  dest: Word;
  /** the sources/dest were a JSON array */
  json: boolean;
  /** `--from=stage|index|image` */
  from?: FlagValue<string>;
  chown?: FlagValue<string>;
  /** raw: octal (`755`) or symbolic (`u+x`) */
  chmod?: FlagValue<string>;
  link: boolean;
  parents: boolean;
  exclude: FlagValue<string>[];
  /** heredoc sources (`COPY <<EOF /dest`); their `<<EOF` words are also in sources */
  heredocs: Heredoc[];
}

export type CopyInstruction = CopyLike<'copy'>;

export interface AddInstruction extends CopyLike<'add'> {
  keepGitDir: boolean;
  /** `sha256:…` for remote sources */
  checksum?: FlagValue<string>;
}

// ---------------------------------------------------------------- CMD / ENTRYPOINT / SHELL
export interface CmdInstruction extends Base<'cmd'> {
  command: CommandLine;
}

export interface EntrypointInstruction extends Base<'entrypoint'> {
  command: CommandLine;
}

export interface ShellInstruction extends Base<'shell'> {
  /** SHELL takes a JSON array only */
  shell: string[];
}

// ---------------------------------------------------------------- ENV / LABEL / ARG
export interface KeyValue {
  key: string;
  /** raw: quotes and escapes kept (`"a b"` stays `"a b"`) */
  value: string;
  range: SourceRange;
}

export interface EnvInstruction extends Base<'env'> {
  pairs: KeyValue[];
  /** the `ENV key value` form */
  legacy: boolean;
}

export interface LabelInstruction extends Base<'label'> {
  pairs: KeyValue[];
  legacy: boolean;
}

export interface ArgDeclaration {
  name: string;
  /** raw default value; undefined for `ARG name` */
  defaultValue?: string;
  range: SourceRange;
}

export interface ArgInstruction extends Base<'arg'> {
  args: ArgDeclaration[];
}

// ---------------------------------------------------------------- the rest
export interface ExposeInstruction extends Base<'expose'> {
  ports: Word[];
}

export interface VolumeInstruction extends Base<'volume'> {
  paths: Word[];
  json: boolean;
}

export interface UserInstruction extends Base<'user'> {
  user: Word;
}

export interface WorkdirInstruction extends Base<'workdir'> {
  path: Word;
}

export interface StopsignalInstruction extends Base<'stopsignal'> {
  signal: Word;
}

export interface MaintainerInstruction extends Base<'maintainer'> {
  maintainer: Word;
}

export type HealthcheckTest = { type: 'none' } | { type: 'cmd'; command: CommandLine };

export interface HealthcheckInstruction extends Base<'healthcheck'> {
  test: HealthcheckTest;
  interval?: Duration;
  timeout?: Duration;
  startPeriod?: Duration;
  startInterval?: Duration;
  retries?: FlagValue<number>;
}

export interface OnbuildInstruction extends Base<'onbuild'> {
  /** the trigger, parsed (never FROM, ONBUILD or MAINTAINER) */
  trigger: Instruction;
  /** the trigger text as written (what goes into the image config) */
  expression: string;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CopyInstruction
  | AddInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | EnvInstruction
  | LabelInstruction
  | ArgInstruction
  | ExposeInstruction
  | VolumeInstruction
  | UserInstruction
  | WorkdirInstruction
  | StopsignalInstruction
  | MaintainerInstruction
  | HealthcheckInstruction
  | OnbuildInstruction;

export type InstructionKind = Instruction['kind'];

export const instructionKinds: readonly InstructionKind[] = [
  'from',
  'run',
  'copy',
  'add',
  'cmd',
  'entrypoint',
  'shell',
  'env',
  'label',
  'arg',
  'expose',
  'volume',
  'user',
  'workdir',
  'stopsignal',
  'maintainer',
  'healthcheck',
  'onbuild',
];

// ---------------------------------------------------------------- stages
export interface Stage {
  /** 0-based position among the FROMs */
  index: number;
  /** the `AS` name, lower-cased as BuildKit compares it */
  name?: string;
  from: FromInstruction;
  /** the instructions after FROM up to the next FROM */
  instructions: Instruction[];
  /** from the FROM to the last instruction of the stage */
  range: SourceRange;
}

/** a parsed, validated Boxfile */
export interface Boxfile {
  file: string;
  directives: { syntax?: string; escape: '\\' | '`'; check?: string };
  /** the ARGs before the first FROM */
  globalArgs: ArgInstruction[];
  stages: Stage[];
  /** every instruction in source order */
  instructions: Instruction[];
}
