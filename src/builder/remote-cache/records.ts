// The exported build cache as data (pure). It travels as an OCI image
// manifest: each distinct layer once (in `layers`, its diffID in the config's
// rootfs.diff_ids, as in any image), and a config blob of media type
// `application/vnd.tsbuild.cache.config.v1+json` whose records map every
// exported cache key to the diffID its step produced (or to no layer), with
// the step's label for people reading it. A registry stores it like an image
// (BuildKit's registry cache is the same idea), and the config names the
// layer of a key, so an importer fetches only the layers of its own keys.
import { TsbuildError } from '../../errors.js';
import type { Digest } from '../../image/digest.js';
import type { CacheEntry } from '../cache.js';
import type { BuildPlan, PlannedStage } from '../plan-types.js';
import type { CacheMode } from './spec.js';

export const cacheConfigMediaType = 'application/vnd.tsbuild.cache.config.v1+json';
export const cacheKeyAnnotation = 'dev.tsbuild.cache.keys';

export interface CacheRecord {
  key: string;
  /** undefined: the step changed no files */
  diffId?: Digest;
  /** the step, as the build showed it (for people; never used to match) */
  label: string;
}

export interface CacheConfig {
  /** so that tools that read rootfs.diff_ids (and tsbuild's push) see the layers */
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  tsbuildCache: 1;
  records: CacheRecord[];
}

/** the stages whose steps are exported: min = the target and the stages it is FROM; max = every stage built */
export function exportedStages(plan: BuildPlan, mode: CacheMode): PlannedStage[] {
  if (mode === 'max') return plan.stages;
  const byIndex = new Map(plan.stages.map((s) => [s.index, s]));
  const out: PlannedStage[] = [];
  let s = byIndex.get(plan.target);
  while (s) {
    out.unshift(s);
    s = s.base.kind === 'stage' ? byIndex.get(s.base.stage) : undefined;
  }
  return out;
}

/** the filesystem steps to export, in build order, each key once */
export function exportedSteps(plan: BuildPlan, mode: CacheMode): { key: string; label: string }[] {
  const seen = new Set<string>();
  const out: { key: string; label: string }[] = [];
  for (const stage of exportedStages(plan, mode)) {
    for (const step of stage.steps) {
      if (step.op.type === 'meta' || step.op.type === 'from' || seen.has(step.key)) continue;
      seen.add(step.key);
      out.push({ key: step.key, label: step.label });
    }
  }
  return out;
}

/** the cache config for the entries found (a step without an entry is left out) */
export function buildCacheConfig(steps: readonly { key: string; label: string }[], entries: ReadonlyMap<string, CacheEntry>): CacheConfig {
  const diffIds: Digest[] = [];
  const records: CacheRecord[] = [];
  for (const s of steps) {
    const e = entries.get(s.key);
    if (!e) continue;
    if (e.layer) {
      if (!diffIds.includes(e.layer.diffId)) diffIds.push(e.layer.diffId);
      records.push({ key: s.key, diffId: e.layer.diffId, label: s.label });
    } else records.push({ key: s.key, label: s.label });
  }
  return { rootfs: { type: 'layers', diff_ids: diffIds }, tsbuildCache: 1, records };
}

const hex64 = /^[a-f0-9]{64}$/;
const digestRe = /^sha256:[a-f0-9]{64}$/;

/** parses and checks a cache config; `where` names it in errors */
export function parseCacheConfig(bytes: Buffer, where: string): CacheConfig {
  const bad = (why: string, cause?: unknown) => new TsbuildError('build', 'CACHE_INVALID', `build cache ${where}: ${why}`, { cause });
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw bad('the cache config is not JSON', err);
  }
  const c = json as Partial<CacheConfig>;
  if (c.tsbuildCache !== 1 || !Array.isArray(c.records) || !Array.isArray(c.rootfs?.diff_ids)) throw bad('not a tsbuild build cache (version 1)');
  const diffIds = new Set(c.rootfs.diff_ids);
  for (const r of c.records) {
    if (typeof r?.key !== 'string' || !hex64.test(r.key)) throw bad(`a record has a bad key ${JSON.stringify(r?.key)}`);
    if (r.diffId !== undefined && (!digestRe.test(r.diffId) || !diffIds.has(r.diffId))) throw bad(`the record of ${r.key} names a layer ${r.diffId} that is not in the cache`);
  }
  return c as CacheConfig;
}
