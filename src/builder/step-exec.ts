// A cache miss: runs one filesystem step (RUN in a container, COPY/ADD into a
// fresh directory) over the unpacked parent layers and commits the result as
// a layer. The executor loads this module only when a step misses, so a fully
// cached build never loads the container runtime, execa or the tar writer.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../errors.js';
import type { ImageStore } from '../image/store.js';
import type { CachedLayer } from './cache.js';
import type { ContextSnapshot } from './context-paths.js';
import type { ProgressEmitter, StepInfo } from './events.js';
import type { BuildPlan, PlannedStep, SourceRef } from './plan-types.js';
import { layerDirs, mergedView, type LayerInfo } from './rootfs.js';
import { commitLayer } from './snapshot.js';
import { runCopy } from './steps/copy.js';
import { runStep, withLockedCaches } from './steps/run.js';
import type { HttpGet } from '../image/registry/transport.js';

export interface FsStepContext {
  store: ImageStore;
  plan: BuildPlan;
  context: ContextSnapshot;
  secrets: ReadonlyMap<string, Buffer>;
  events: ProgressEmitter;
  fetch?: HttpGet;
  /** the layers of a stage or image that a step reads from (COPY --from, RUN --mount=from) */
  sourceLayers(ref: SourceRef): Promise<LayerInfo[]>;
}

export async function runFsStep(ctx: FsStepContext, step: PlannedStep, layers: readonly LayerInfo[], info: StepInfo): Promise<CachedLayer | undefined> {
  const { store, plan, events } = ctx;
  const sourceDirs = async (ref: SourceRef): Promise<string[]> => layerDirs(store, await ctx.sourceLayers(ref));
  // COPY --link: copied into an empty tree, so the layer does not depend on what is below it
  const parentDirs = step.op.type === 'copy' && step.op.link ? [] : await layerDirs(store, layers);
  const workDir = await store.tempDir('step');
  try {
    if (step.op.type === 'run') {
      const op = step.op;
      const upper = await withLockedCaches(store.root, op, () =>
        runStep({
          root: store.root,
          op,
          step,
          parentDirs,
          context: ctx.context,
          sourceDirs,
          secrets: ctx.secrets,
          workDir,
          onLine: (stream, line) => events.emit({ type: 'step-log', id: info.id, stream, line }),
        }),
      );
      return await commitLayer(store, upper, { fromUpper: true, sourceDateEpoch: plan.sourceDateEpoch });
    }
    if (step.op.type === 'copy') {
      const op = step.op;
      const layerDir = path.join(workDir, 'layer');
      await mkdir(layerDir, { mode: 0o755 });
      if (op.from.kind === 'context') {
        await runCopy({ op, step, parentDirs, source: { kind: 'context', snapshot: ctx.context }, layerDir, readBlob: (d) => store.readBlob(d).catch(() => undefined), ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
      } else {
        const view = await mergedView(await sourceDirs(op.from), path.join(workDir, 'from'));
        try {
          await runCopy({ op, step, parentDirs, source: { kind: 'tree', dir: view.dir }, layerDir });
        } finally {
          await view.release();
        }
      }
      return await commitLayer(store, layerDir, { fromUpper: false, sourceDateEpoch: plan.sourceDateEpoch });
    }
    throw new TsbuildError('internal', 'INTERNAL', `executor: ${step.op.type} is not a filesystem step`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
