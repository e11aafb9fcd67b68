// The pure planner: a parsed Boxfile, build args, the context's file hashes
// and the resolved base images in; a BuildPlan out — only the stages the
// target needs, each step expanded, with its cache key and the image config
// after it. No I/O: what it needs from the outside (images by reference) it
// asks for with `missingImages`, and the caller plans again.
//
// Cache keys chain: key(step) = sha256(parent key, the expanded instruction,
// its inputs). FROM hashes the resolved image ID (not the tag), a stage base
// its final key. COPY/ADD hash the selected files' content, mode, owner and
// link target (never mtimes or the context's absolute path); RUN its argv,
// env (proxy ARGs excepted), user, workdir, mounts (no secret values) and
// network. Config-only steps keep their parent's key: they change no files,
// and what they change that a later RUN sees (ENV, USER, WORKDIR…) is in
// that RUN's own key.
import { TsbuildError, type SourceRange } from '../errors.js';
import type { ContainerConfig, HistoryEntry } from '../image/config.js';
import type { Digest } from '../image/digest.js';
import type { Boxfile, Instruction, Stage } from '../parser/instructions.js';
import type { ContextSnapshot } from './context-paths.js';
import { selectSources, selectionDigestInput, SourceError, type TreeEntry } from './copy-select.js';
import { applyMeta, formatCommand, type MetaState } from './plan-meta.js';
import { boxfileError, defaultPath, expand, hashKey, platformArgs, proxyArgs, setEnv, wordEnv, type ExpandContext } from './plan-scope.js';
import { planCopy, planRun, type StepEnv } from './plan-steps.js';
import { gitSourceId, type GitSource } from './git-source.js';
import type { BuildPlan, PlannedStage, PlannedStep, ResolvedBase, SourceRef, StageBase } from './plan-types.js';

export interface PlanInput {
  boxfile: Boxfile;
  /** stage name or index; default the last stage */
  target?: string;
  buildArgs: ReadonlyMap<string, string>;
  context: ContextSnapshot;
  /** images by reference as written after expansion (FROM, COPY --from, mount from) */
  images: ReadonlyMap<string, ResolvedBase>;
  platform: { os: string; architecture: string; variant?: string };
  /** seconds; `created` and mtime clamping */
  sourceDateEpoch: number;
  network?: 'default' | 'none' | 'host';
  /** --label: set on the final image */
  labels?: ReadonlyMap<string, string>;
  /** ADD URLs without --checksum: the sha256 of what each served (fetched before planning) */
  urls?: ReadonlyMap<string, string>;
  /** ADD git sources (by gitSourceId): the commit each ref named (asked before planning) */
  gitCommits?: ReadonlyMap<string, string>;
  /** parses a base image's ONBUILD trigger (the parser's single-instruction entry) */
  parseTrigger?: (text: string, range: SourceRange) => Instruction;
}

export type PlanResult =
  | { plan: BuildPlan; missingImages?: undefined; missingUrls?: undefined }
  | {
      plan?: undefined;
      missingImages: string[];
      missingUrls: { url: string; range: SourceRange }[];
      missingGits: { source: GitSource; range: SourceRange }[];
      imageUses: Map<string, ImageUse>;
    };

/** where a missing image is first named: for error positions and pull progress */
export interface ImageUse {
  range: SourceRange;
  /** FROM, or a --from flag (COPY, RUN --mount) */
  via: 'FROM' | '--from';
  stage: number;
  stageName: string;
}

const placeholder = `sha256:${'0'.repeat(64)}` as Digest;

export function epochToIso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

function buildError(range: SourceRange, label: string, message: string, cause?: unknown): TsbuildError {
  return new TsbuildError('build', 'STEP_INPUT', `${range.file}:${range.start.line}: ${label}: ${message}`, { ranges: [range], cause });
}

export function planBuild(input: PlanInput): PlanResult {
  const bf = input.boxfile;
  const cx: ExpandContext = { file: bf.file, escapeToken: bf.directives.escape };
  const created = epochToIso(input.sourceDateEpoch);
  // SOURCE_DATE_EPOCH clamps the mtimes in every new layer, so a layer made under one
  // epoch is not the layer of another: it joins the root of every key chain (the
  // default, 0, adds nothing, so those keys stay as they were)
  const epochKey = input.sourceDateEpoch === 0 ? [] : [`epoch=${input.sourceDateEpoch}`];
  const missing = new Set<string>();
  const imageUses = new Map<string, ImageUse>();
  const missingUrls = new Map<string, SourceRange>();
  const missingGits = new Map<string, { source: GitSource; range: SourceRange }>();
  const platArgs = platformArgs(input.platform);

  // global scope: platform ARGs, then the ARGs before the first FROM
  const globalArgs = new Map<string, string>(platArgs);
  for (const a of bf.globalArgs) {
    for (const d of a.args) {
      const v = input.buildArgs.get(d.name) ?? (d.defaultValue !== undefined ? expand(d.defaultValue, globalArgs, cx, d.range) : undefined);
      if (v !== undefined) globalArgs.set(d.name, v);
      else globalArgs.delete(d.name);
    }
  }

  const contextEntries = new Map<string, TreeEntry>(input.context.entries.map((e) => [e.path, e]));
  const contextRoot: TreeEntry = { path: '', type: 'dir', mode: input.context.rootMode, size: 0 };
  const stagesByName = new Map<string, Stage>();
  for (const s of bf.stages) if (s.name !== undefined) stagesByName.set(s.name.toLowerCase(), s);

  const planned = new Map<number, PlannedStage>();
  const order: PlannedStage[] = [];
  const inProgress = new Set<number>();

  const image = (ref: string, use: ImageUse): ResolvedBase => {
    const r = input.images.get(ref);
    if (r) return r;
    missing.add(ref);
    if (!imageUses.has(ref)) imageUses.set(ref, use);
    return { ref, manifestDigest: placeholder, id: placeholder, config: { architecture: input.platform.architecture, os: input.platform.os, rootfs: { type: 'layers', diff_ids: [] } } };
  };

  const stageRef = (name: string, current: number): Stage | undefined => {
    const byName = stagesByName.get(name.toLowerCase());
    if (byName) return byName.index < current ? byName : undefined;
    if (/^\d+$/.test(name)) {
      const s = bf.stages[Number(name)];
      return s && s.index < current ? s : undefined;
    }
    return undefined;
  };

  const planStage = (stage: Stage): PlannedStage => {
    const done = planned.get(stage.index);
    if (done) return done;
    if (inProgress.has(stage.index)) throw boxfileError('STAGE_CYCLE', stage.from.range, `stage ${stage.name ?? stage.index} depends on itself`);
    inProgress.add(stage.index);
    const deps = new Set<number>();
    const name = stage.name ?? `stage-${stage.index}`;
    const fromRange = stage.from.range;

    const sourceOf = (ref: string, range: SourceRange): SourceRef => {
      const s = stageRef(ref, stage.index);
      if (s) {
        deps.add(s.index);
        planStage(s);
        return { kind: 'stage', stage: s.index };
      }
      if (stagesByName.has(ref.toLowerCase())) throw boxfileError('STAGE_ORDER', range, `stage '${ref}' is defined after it is used`);
      const img = image(ref, { range, via: '--from', stage: stage.index, stageName: name });
      return { kind: 'image', ref, id: img.id };
    };

    // ---- FROM
    const fromRef = expand(stage.from.image.text, globalArgs, cx, stage.from.image.range);
    let base: StageBase;
    let config: ContainerConfig;
    let baseHistory: HistoryEntry[] = [];
    let key: string;
    let onbuild: string[] = [];
    const fromStage = stageRef(fromRef, stage.index);
    if (fromRef.toLowerCase() === 'scratch') {
      base = { kind: 'scratch' };
      config = { Env: [`PATH=${defaultPath}`] };
      key = hashKey(['scratch', input.platform, ...epochKey]);
    } else if (fromStage) {
      deps.add(fromStage.index);
      const p = planStage(fromStage);
      base = { kind: 'stage', stage: fromStage.index };
      config = structuredClone(p.config);
      baseHistory = [...p.baseHistory, ...p.steps.flatMap((s) => (s.history ? [s.history] : []))];
      key = p.finalKey;
      onbuild = config.OnBuild ?? [];
    } else {
      const img = image(fromRef, { range: stage.from.image.range, via: 'FROM', stage: stage.index, stageName: name });
      base = { kind: 'image', ref: fromRef, manifestDigest: img.manifestDigest, id: img.id };
      config = structuredClone(img.config.config ?? {});
      baseHistory = structuredClone(img.config.history ?? []);
      key = hashKey(['image', img.id, ...epochKey]);
      onbuild = config.OnBuild ?? [];
    }
    // the child keeps no triggers; they run here, first
    if (config.OnBuild) delete config.OnBuild;
    const instructions: Instruction[] = [];
    for (const t of onbuild) {
      if (!input.parseTrigger) throw boxfileError('ONBUILD', fromRange, `the base image has ONBUILD triggers and no trigger parser was given`);
      instructions.push(input.parseTrigger(t, fromRange));
    }
    instructions.push(...stage.instructions);

    const total = instructions.length + 1;
    const steps: PlannedStep[] = [
      {
        id: `s${stage.index}.1`,
        stage: stage.index,
        index: 1,
        total,
        instruction: 'FROM',
        label: `FROM ${fromRef}${base.kind === 'image' && base.manifestDigest !== placeholder ? `@${base.manifestDigest}` : ''}`,
        range: fromRange,
        key,
        op: { type: 'from', base },
      },
    ];
    const meta: MetaState = { config, cmdSet: false };
    const args = new Map<string, string>();
    const runArgs = (): Map<string, string> => {
      const m = new Map(args);
      for (const [k, v] of input.buildArgs) if (proxyArgs.has(k) && !m.has(k)) m.set(k, v);
      return m;
    };

    instructions.forEach((ins, i) => {
      const index = i + 2;
      const id = `s${stage.index}.${index}`;
      const words = wordEnv(args, meta.config.Env);
      const kw = ins.kind.toUpperCase();
      const history = (label: string, empty: boolean): HistoryEntry => (empty ? { created, created_by: label, empty_layer: true } : { created, created_by: label });
      if (ins.kind === 'arg') {
        const shown: string[] = [];
        for (const d of ins.args) {
          const v = input.buildArgs.get(d.name) ?? (d.defaultValue !== undefined ? expand(d.defaultValue, wordEnv(args, meta.config.Env), cx, d.range) : (globalArgs.get(d.name) ?? undefined));
          if (v !== undefined) args.set(d.name, v);
          shown.push(d.defaultValue !== undefined ? `${d.name}=${d.defaultValue}` : d.name);
        }
        const label = `ARG ${shown.join(' ')}`;
        steps.push({ id, stage: stage.index, index, total, instruction: 'ARG', label, range: ins.range, key, op: { type: 'meta' }, history: history(label, true) });
        return;
      }
      const se: StepEnv = { config: meta.config, args: runArgs(), words, cx, network: input.network ?? 'default', source: sourceOf };
      if (ins.kind === 'run') {
        const { op, keyInput } = planRun(ins, se);
        // what bind/cache mounts read from is an input too: context files by content, stages by key, images by ID
        const mountInputs = op.mounts.map((m) => {
          if ((m.type !== 'bind' && m.type !== 'cache') || !m.from) return null;
          const from = m.from;
          if (from.kind === 'stage') return ['stage', planned.get(from.stage)?.finalKey];
          if (from.kind === 'image') return ['image', from.id];
          try {
            return selectionDigestInput(selectSources(contextEntries, [m.source || '.'], contextRoot));
          } catch (err) {
            if (err instanceof SourceError) throw buildError(ins.range, `RUN --mount=type=${m.type}`, err.message, err);
            throw err;
          }
        });
        key = hashKey([key, keyInput, mountInputs]);
        const label = `RUN ${formatCommand(ins.command)}`;
        steps.push({ id, stage: stage.index, index, total, instruction: 'RUN', label, range: ins.range, key, op, history: history(label, false) });
        return;
      }
      if (ins.kind === 'copy' || ins.kind === 'add') {
        const op = planCopy(ins, se);
        for (const u of op.urls) {
          if (u.checksum !== undefined) continue;
          const digest = input.urls?.get(u.url);
          if (digest !== undefined) u.digest = digest;
          else if (!missingUrls.has(u.url)) missingUrls.set(u.url, ins.range);
        }
        for (const g of op.gits ?? []) {
          const { keepGitDir: _k, commit: _c, ...source } = g;
          const id = gitSourceId(source);
          const commit = input.gitCommits?.get(id);
          if (commit !== undefined) g.commit = commit;
          else if (!missingGits.has(id)) missingGits.set(id, { source, range: ins.range });
        }
        const label = `${kw} ${[...(op.from.kind !== 'context' ? [`--from=${op.from.kind === 'stage' ? (bf.stages[op.from.stage]?.name ?? op.from.stage) : op.from.ref}`] : []), ...ins.sources.map((s) => s.text), ins.dest.text].join(' ')}`;
        let inputs: unknown;
        if (op.from.kind === 'context') {
          try {
            inputs = selectionDigestInput(selectSources(contextEntries, op.sources, contextRoot, { excludes: op.excludes, parents: op.parents }));
          } catch (err) {
            if (err instanceof SourceError) throw buildError(ins.range, label, err.message, err);
            throw err;
          }
        } else if (op.from.kind === 'stage') inputs = ['stage', planned.get(op.from.stage)?.finalKey, op.sources];
        else inputs = ['image', op.from.id, op.sources];
        const { workdir: _w, from: _f, ...rest } = op;
        if (op.link) {
          // --link: the layer is made apart from the image below it, so its key leaves the
          // parent out (a changed base still finds it); the chain goes on from both
          const layerKey = hashKey(['copy-link', rest, inputs, ...epochKey]);
          key = hashKey([key, 'link', layerKey]);
          steps.push({ id, stage: stage.index, index, total, instruction: kw, label, range: ins.range, key: layerKey, op, history: history(label, false) });
          return;
        }
        // with --chown, the folders it creates are the owner's since this key: older entries made them root's
        key = hashKey([key, 'copy', rest, inputs, ...(op.chown !== undefined ? ['parents-owned'] : [])]);
        steps.push({ id, stage: stage.index, index, total, instruction: kw, label, range: ins.range, key, op, history: history(label, false) });
        return;
      }
      const label = applyMeta(ins, meta, words, cx);
      if (label === undefined) throw new TsbuildError('internal', 'INTERNAL', `planner: unexpected ${kw} instruction`);
      steps.push({ id, stage: stage.index, index, total, instruction: kw, label, range: ins.range, key, op: { type: 'meta' }, history: history(label, true) });
    });

    const out: PlannedStage = { index: stage.index, name, base, steps, deps: [...deps].sort((a, b) => a - b), config: meta.config, baseHistory, finalKey: key };
    if (meta.author !== undefined) (out as { author?: string }).author = meta.author;
    inProgress.delete(stage.index);
    planned.set(stage.index, out);
    order.push(out);
    return out;
  };

  // ---- target
  let targetStage: Stage | undefined;
  if (input.target === undefined) targetStage = bf.stages[bf.stages.length - 1];
  else {
    targetStage = stagesByName.get(input.target.toLowerCase()) ?? (/^\d+$/.test(input.target) ? bf.stages[Number(input.target)] : undefined);
    if (!targetStage) {
      const names = bf.stages.map((s) => s.name).filter((n): n is string => n !== undefined);
      throw new TsbuildError('usage', 'BAD_TARGET', `--target ${input.target}: no such stage${names.length ? ` (stages: ${names.join(', ')})` : ''}`);
    }
  }
  if (!targetStage) throw new TsbuildError('boxfile', 'NO_STAGES', `${bf.file}: the Boxfile has no FROM instruction`);
  const target = planStage(targetStage);
  if (missing.size > 0 || missingUrls.size > 0 || missingGits.size > 0) {
    return { missingImages: [...missing].sort(), missingUrls: [...missingUrls].map(([url, range]) => ({ url, range })), missingGits: [...missingGits.values()], imageUses };
  }

  // ---- levels: a stage runs after every stage it needs
  const level = new Map<number, number>();
  for (const s of order) level.set(s.index, s.deps.length === 0 ? 0 : Math.max(...s.deps.map((d) => (level.get(d) ?? 0) + 1)));
  const levels: number[][] = [];
  for (const s of order) {
    const l = level.get(s.index) as number;
    (levels[l] ??= []).push(s.index);
  }

  const finalConfig = structuredClone(target.config);
  if (input.labels && input.labels.size > 0) finalConfig.Labels = { ...(finalConfig.Labels ?? {}), ...Object.fromEntries(input.labels) };
  if (!finalConfig.Env?.some((e) => e.startsWith('PATH='))) finalConfig.Env = setEnv(finalConfig.Env ?? [], 'PATH', defaultPath);
  const author = (target as { author?: string }).author;
  const imageSkeleton: BuildPlan['image'] = {
    created,
    ...(author !== undefined ? { author } : {}),
    architecture: input.platform.architecture,
    os: input.platform.os,
    ...(input.platform.variant ? { variant: input.platform.variant } : {}),
    config: finalConfig,
  };
  return {
    plan: { stages: order, target: target.index, levels, created, sourceDateEpoch: input.sourceDateEpoch, platform: input.platform, image: imageSkeleton },
  };
}

/** The stage and step totals a renderer shows. */
export function stepTotal(stage: PlannedStage): number {
  return stage.steps.length;
}
