// ARG/ENV scoping as BuildKit's dockerfile2llb does it. Pure: instructions,
// build args and platforms in; for each instruction the environment to expand
// its words with, plus diagnostics and warnings out.
//
// - Global ARGs (before the first FROM) and the platform ARGs are visible in
//   FROM lines only. A stage sees one by redeclaring it with a bare `ARG NAME`.
// - Inside a stage, the environment is one list where the last assignment
//   wins: the base's environment, then every ARG (with a value) and ENV in
//   order. So ENV after ARG overrides it, and an ARG after an inherited ENV
//   overrides that (as BuildKit, unlike the classic builder).
// - `--build-arg` values replace ARG defaults (defaults are then not expanded).
// - The proxy ARGs (HTTP_PROXY…) reach RUN without being declared, and are
//   kept out of cache keys unless declared.

import type { Diagnostic } from './diagnostics.js';
import { diagnostic } from './diagnostics.js';
import type { ArgInstruction, Instruction } from './instructions.js';
import { expandWord } from './words.js';
import type { ShellEnv } from './words.js';
import { isTsbuildError } from '../errors.js';

export interface Platform {
  /** `linux` */
  os: string;
  /** OCI architecture: amd64, arm64, arm, 386, ppc64le, s390x, riscv64 … (never Node's x64) */
  architecture: string;
  /** `v7` for arm, `` when none */
  variant?: string;
}

export interface ScopeOptions {
  /** `--build-arg NAME=VALUE` */
  buildArgs?: ReadonlyMap<string, string>;
  /** where the build runs (BUILDPLATFORM…) */
  buildPlatform: Platform;
  /** what the image is for (TARGETPLATFORM…) */
  targetPlatform: Platform;
  escapeToken?: '\\' | '`';
}

/** Build args that reach RUN without an ARG and never enter cache keys. */
export const PROXY_ARGS: readonly string[] = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];

const PROXY_SET = new Set(PROXY_ARGS);

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

// ---- global scope -------------------------------------------------------------

export interface GlobalScope {
  /** the environment FROM lines are expanded with: platform ARGs, then global ARGs with a value */
  env: ReadonlyMap<string, string>;
  /** platform ARGs then global ARG declarations in order (a bare ARG has no value); a stage's bare `ARG NAME` takes the last one */
  metaArgs: readonly { name: string; value: string | undefined }[];
  /** names declared by global ARGs */
  declared: ReadonlySet<string>;
  diagnostics: Diagnostic[];
}

function expansionDiagnostic(err: unknown, range: Diagnostic['range']): Diagnostic {
  if (isTsbuildError(err)) return diagnostic(err.code, err.message, range);
  throw err;
}

export function globalScope(globalArgs: readonly ArgInstruction[], opts: ScopeOptions): GlobalScope {
  const env = platformArgs(opts.buildPlatform, opts.targetPlatform);
  const metaArgs: { name: string; value: string | undefined }[] = [...env].map(([name, value]) => ({ name, value }));
  const declared = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const inst of globalArgs) {
    for (const arg of inst.args) {
      declared.add(arg.name);
      let value = opts.buildArgs?.get(arg.name);
      if (value === undefined && arg.defaultValue !== undefined) {
        try {
          value = expandWord(arg.defaultValue, env, { escapeToken: opts.escapeToken }).result;
        } catch (err) {
          diagnostics.push(expansionDiagnostic(err, arg.range));
          value = '';
        }
      }
      metaArgs.push({ name: arg.name, value });
      if (value !== undefined) env.set(arg.name, value);
    }
  }
  return { env, metaArgs, declared, diagnostics };
}

// ---- stage scope ----------------------------------------------------------------

/** What a stage starts from: an image's config, or the final scope of its parent stage. */
export interface StageBase {
  /** the environment the stage starts with (image config Env, or the parent stage's `env`) */
  env: ReadonlyMap<string, string>;
  /** the ENV that goes into the image config (image config Env, or the parent's `imageEnv`) */
  imageEnv: ReadonlyMap<string, string>;
}

/** A base from an image config's `Env` list (`NAME=VALUE`). */
export function baseFromImageEnv(list: readonly string[] = []): StageBase {
  const env = new Map<string, string>();
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq < 0) env.set(entry, '');
    else env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return { env, imageEnv: new Map(env) };
}

export interface ResolvedPair {
  key: string;
  value: string;
}

export interface StepScope {
  instruction: Instruction;
  /** expand this instruction's words with this; also the environment of a RUN (before proxies) */
  env: ShellEnv;
  /** ARGs in scope with a value, in declaration order (RUN's `|N NAME=value` and cache key) */
  args: ReadonlyMap<string, string>;
  /** undeclared proxy build args for RUN: in its environment, never in its cache key */
  proxyEnv: ReadonlyMap<string, string>;
  /** for ARG and ENV: the names and expanded values this instruction set */
  resolved?: ResolvedPair[];
}

export interface StageScope {
  steps: StepScope[];
  /** the environment after the last instruction (the base of a stage built FROM this one) */
  env: ShellEnv;
  /** the image config Env after the last instruction */
  imageEnv: ReadonlyMap<string, string>;
  /** names declared by ARG in this stage */
  declared: ReadonlySet<string>;
  diagnostics: Diagnostic[];
}

/**
 * Walks a stage's instructions (after its FROM) and yields, for each, the
 * environment its words are expanded with. ARG defaults and ENV values are
 * expanded here; failures become positioned diagnostics.
 */
export function stageScope(
  instructions: readonly Instruction[],
  global: GlobalScope,
  opts: ScopeOptions,
  base: StageBase = baseFromImageEnv(),
): StageScope {
  const lexOpts = { escapeToken: opts.escapeToken };
  const env = new Map(base.env);
  const imageEnv = new Map(base.imageEnv);
  const args = new Map<string, string>();
  const declared = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const steps: StepScope[] = [];

  const proxies = () => {
    const out = new Map<string, string>();
    for (const [k, v] of opts.buildArgs ?? []) if (PROXY_SET.has(k) && !declared.has(k)) out.set(k, v);
    return out;
  };

  for (const instruction of instructions) {
    const step: StepScope = { instruction, env: new Map(env), args: new Map(args), proxyEnv: proxies() };
    steps.push(step);
    if (instruction.kind === 'arg') {
      step.resolved = [];
      for (const arg of instruction.args) {
        declared.add(arg.name);
        let value = opts.buildArgs?.get(arg.name);
        if (value === undefined && arg.defaultValue === undefined) {
          for (const meta of global.metaArgs) if (meta.name === arg.name) value = meta.value;
        } else if (value === undefined && arg.defaultValue !== undefined) {
          try {
            value = expandWord(arg.defaultValue, env, lexOpts).result;
          } catch (err) {
            diagnostics.push(expansionDiagnostic(err, arg.range));
            value = '';
          }
        }
        if (value !== undefined) {
          env.set(arg.name, value);
          args.delete(arg.name);
          args.set(arg.name, value);
          step.resolved.push({ key: arg.name, value });
        }
      }
    } else if (instruction.kind === 'env') {
      // every pair is expanded with the environment before the instruction
      const before: ShellEnv = step.env;
      step.resolved = [];
      for (const pair of instruction.pairs) {
        try {
          const key = expandWord(pair.key, before, lexOpts).result;
          const value = expandWord(pair.value, before, lexOpts).result;
          step.resolved.push({ key, value });
        } catch (err) {
          diagnostics.push(expansionDiagnostic(err, pair.range));
        }
      }
      for (const { key, value } of step.resolved) {
        env.set(key, value);
        imageEnv.set(key, value);
      }
    }
  }
  return { steps, env, imageEnv, declared, diagnostics };
}

// ---- unused build args -----------------------------------------------------------

export interface ScopeWarning {
  code: 'UNUSED_BUILD_ARG';
  message: string;
  names: string[];
}

/** Build args no global or stage ARG declared (proxy, platform and BUILDKIT_* names excepted). */
export function unusedBuildArgs(
  buildArgs: ReadonlyMap<string, string>,
  global: GlobalScope,
  stages: readonly StageScope[],
): ScopeWarning[] {
  const platform = new Set(PLATFORM_ARGS);
  const unused = [...buildArgs.keys()].filter(
    (name) =>
      !PROXY_SET.has(name) &&
      !platform.has(name) &&
      !name.startsWith('BUILDKIT_') &&
      !global.declared.has(name) &&
      !stages.some((s) => s.declared.has(name)),
  );
  if (unused.length === 0) return [];
  unused.sort();
  return [
    {
      code: 'UNUSED_BUILD_ARG',
      message: `One or more build-args [${unused.join(' ')}] were not consumed`,
      names: unused,
    },
  ];
}
