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
import type { ArgInstruction, FromInstruction, Instruction } from './instructions.js';
import { expandWord } from './words.js';
import type { ShellEnv } from './words.js';
import { parsePlatform, platformArgs, PLATFORM_ARGS, type Platform } from './platform.js';

export * from './platform.js';
import { isTsbuildError } from '../errors.js';

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

// ---- FROM lines --------------------------------------------------------------

export interface ResolvedFrom {
  /** the image reference or stage name, expanded */
  image: string;
  /** the `--platform` value, expanded */
  platform?: Platform;
  /** errors (blank name, bad platform, bad expansion) and UNDEFINED_ARG_IN_FROM warnings */
  diagnostics: Diagnostic[];
}

/** Expands a FROM line with the global scope (BuildKit: global ARGs and platform ARGs only). */
export function resolveFrom(from: FromInstruction, global: GlobalScope, escapeToken?: '\\' | '`'): ResolvedFrom {
  const diagnostics: Diagnostic[] = [];
  const undeclared = (unmatched: Set<string>, range: Diagnostic['range']) => {
    for (const name of unmatched) {
      if (!global.declared.has(name)) {
        diagnostics.push(diagnostic('UNDEFINED_ARG_IN_FROM', `FROM argument '${name}' is not declared`, range, 'warning'));
      }
    }
  };
  let image = '';
  try {
    const r = expandWord(from.image.text, global.env, { escapeToken });
    image = r.result;
    undeclared(r.unmatched, from.image.range);
    if (image === '') diagnostics.push(diagnostic('BLANK_BASE_NAME', `base name (${from.image.text}) should not be blank`, from.image.range));
  } catch (err) {
    diagnostics.push(expansionDiagnostic(err, from.image.range));
  }
  const result: ResolvedFrom = { image, diagnostics };
  if (from.platform !== undefined) {
    const { value, range } = from.platform;
    try {
      const r = expandWord(value, global.env, { escapeToken });
      undeclared(r.unmatched, range);
      if (r.result === '') {
        diagnostics.push(diagnostic('BAD_PLATFORM', `empty platform value from expression ${value}`, range));
      } else {
        const platform = parsePlatform(r.result);
        if (platform === undefined) diagnostics.push(diagnostic('BAD_PLATFORM', `failed to parse platform ${value}: "${r.result}" is not os/arch[/variant]`, range));
        else result.platform = platform;
      }
    } catch (err) {
      diagnostics.push(expansionDiagnostic(err, range));
    }
  }
  return result;
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
