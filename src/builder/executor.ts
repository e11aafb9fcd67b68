// Runs a BuildPlan: stages as soon as the stages they need are done (at most
// `concurrency` at once), steps in order. A filesystem step whose cache key
// is in the cache (and whose layer blob is in the store) is a hit: no
// container, no layer written. A miss runs the step (steps/run.ts,
// steps/copy.ts, through step-exec.ts, loaded on the first miss), commits its
// directory as a layer (snapshot.ts) and records the key. Progress goes out as events; the result is the image config and
// layers of the target stage (the caller stores and tags them).
import { availableParallelism } from 'node:os';
import { TsbuildError } from '../errors.js';
import type { HistoryEntry, ImageConfig } from '../image/config.js';
import { serializeConfig } from '../image/config.js';
import type { Digest } from '../image/digest.js';
import type { ImageStore } from '../image/store.js';
import { BuildCache, type CachedLayer } from './cache.js';
import type { ContextSnapshot } from './context-paths.js';
import type { ProgressEmitter, StepInfo } from './events.js';
import type { BuildPlan, PlannedStage, PlannedStep, SourceRef } from './plan-types.js';
import type { LayerInfo } from './rootfs.js';
import type { FsStepContext } from './step-exec.js';
import type { HttpGet } from '../image/registry/transport.js';

export interface ExecuteOptions {
  store: ImageStore;
  plan: BuildPlan;
  context: ContextSnapshot;
  noCache?: boolean;
  secrets?: ReadonlyMap<string, Buffer>;
  events: ProgressEmitter;
  /** stages at once; default the number of cores */
  concurrency?: number;
  fetch?: HttpGet;
}

export interface BuildResult {
  config: ImageConfig;
  configBytes: Buffer;
  layers: LayerInfo[];
  /** steps that were cache hits / that ran */
  cached: number;
  executed: number;
}

interface StageResult {
  layers: LayerInfo[];
  history: HistoryEntry[];
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

function stepInfo(plan: BuildPlan, stage: PlannedStage, step: PlannedStep): StepInfo {
  return {
    id: step.id,
    stage: stage.index,
    stageName: stage.name,
    index: step.index,
    total: step.total,
    instruction: step.instruction,
    label: step.label,
    kind: step.op.type === 'from' ? 'from' : step.op.type === 'meta' ? 'meta' : 'fs',
  };
}

async function imageLayers(store: ImageStore, manifestDigest: Digest): Promise<LayerInfo[]> {
  const { manifest } = await store.readManifest(manifestDigest);
  const config = JSON.parse((await store.readBlob(manifest.config.digest)).toString('utf8')) as ImageConfig;
  return manifest.layers.map((l, i) => ({ diffId: config.rootfs.diff_ids[i] as Digest, digest: l.digest, size: l.size, mediaType: l.mediaType }));
}

export async function executePlan(opts: ExecuteOptions): Promise<BuildResult> {
  const { store, plan, events } = opts;
  const cache = new BuildCache(store.root);
  const sem = new Semaphore(opts.concurrency ?? Math.max(1, availableParallelism()));
  const results = new Map<number, Promise<StageResult>>();
  const byIndex = new Map(plan.stages.map((s) => [s.index, s]));
  let failed = false;
  let cached = 0;
  let executed = 0;

  const sourceLayers = async (ref: SourceRef): Promise<LayerInfo[]> => {
    if (ref.kind === 'stage') return (await stageResult(ref.stage)).layers;
    if (ref.kind === 'image') {
      const img = await store.resolve(ref.id);
      return imageLayers(store, img.manifestDigest);
    }
    throw new TsbuildError('internal', 'INTERNAL', 'the context has no layers');
  };
  const fsCtx = (): FsStepContext => ({
    store,
    plan,
    context: opts.context,
    secrets: opts.secrets ?? new Map(),
    events,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    sourceLayers,
  });

  const execStage = async (stage: PlannedStage): Promise<StageResult> => {
    const stageStart = events.elapsed();
    events.emit({ type: 'stage-start', stage: stage.index, stageName: stage.name });
    let layers: LayerInfo[] = [];
    let history: HistoryEntry[] = [...stage.baseHistory];
    for (const step of stage.steps) {
      if (failed) throw new TsbuildError('build', 'CANCELLED', 'cancelled: another stage failed');
      const info = stepInfo(plan, stage, step);
      const t0 = events.elapsed();
      events.emit({ type: 'step-start', step: info });
      try {
        const op = step.op;
        if (op.type === 'from') {
          if (op.base.kind === 'image') layers = await imageLayers(store, op.base.manifestDigest);
          else if (op.base.kind === 'stage') {
            const r = await stageResult(op.base.stage);
            layers = [...r.layers];
            history = [...r.history];
          }
          events.emit({ type: 'step-done', id: info.id, durationMs: events.elapsed() - t0, cached: false });
          continue;
        }
        if (op.type === 'meta') {
          if (step.history) history.push(step.history);
          events.emit({ type: 'step-done', id: info.id, durationMs: events.elapsed() - t0, cached: false });
          continue;
        }
        let layer: CachedLayer | undefined;
        let hit = false;
        if (!opts.noCache) {
          const entry = await cache.get(step.key);
          if (entry && (!entry.layer || (await store.hasBlob(entry.layer.digest)))) {
            hit = true;
            layer = entry.layer;
          }
        }
        if (hit) {
          cached++;
          events.emit({ type: 'step-cached', id: info.id });
        } else {
          executed++;
          const { runFsStep } = await import('./step-exec.js');
          layer = await runFsStep(fsCtx(), step, layers, info);
          await cache.put(layer ? { key: step.key, layer } : { key: step.key });
        }
        if (layer) layers = [...layers, layer];
        const h: HistoryEntry = { ...(step.history ?? { created: plan.created, created_by: step.label }) };
        if (!layer) h.empty_layer = true;
        history.push(h);
        events.emit({ type: 'step-done', id: info.id, durationMs: events.elapsed() - t0, cached: hit });
      } catch (err) {
        failed = true;
        const message = err instanceof Error ? err.message : String(err);
        events.emit({ type: 'step-failed', id: info.id, durationMs: events.elapsed() - t0, message });
        throw err;
      }
    }
    events.emit({ type: 'stage-done', stage: stage.index, stageName: stage.name, durationMs: events.elapsed() - stageStart });
    return { layers, history };
  };

  function stageResult(index: number): Promise<StageResult> {
    let p = results.get(index);
    if (p) return p;
    const stage = byIndex.get(index);
    if (!stage) throw new TsbuildError('internal', 'INTERNAL', `stage ${index} is not in the plan`);
    p = (async () => {
      await Promise.all(stage.deps.map((d) => stageResult(d)));
      return sem.run(() => execStage(stage));
    })();
    // a failure is reported through the target's chain; keep stray rejections quiet
    p.catch(() => undefined);
    results.set(index, p);
    return p;
  }

  // start every stage the target needs (independent ones run side by side)
  for (const s of plan.stages) void stageResult(s.index);
  const all = plan.stages.map((s) => results.get(s.index) as Promise<StageResult>);
  const settled = await Promise.allSettled(all);
  const firstError = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof TsbuildError && s.reason.code === 'CANCELLED'));
  if (firstError) throw firstError.reason;
  const target = await stageResult(plan.target);

  const config: ImageConfig = {
    ...plan.image,
    rootfs: { type: 'layers', diff_ids: target.layers.map((l) => l.diffId) },
    history: target.history,
  };
  return { config, configBytes: serializeConfig(config), layers: target.layers, cached, executed };
}
