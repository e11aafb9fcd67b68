// One build, start to end: read and parse the Boxfile, walk and hash the
// context (after .dockerignore), resolve the images the Boxfile names, plan
// (pure), execute, and store the image (config + manifest) with its tags.
// Progress goes to the emitter; errors are TsbuildErrors with positions.
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { formatPosition, TsbuildError } from '../errors.js';
import { ociArchitecture } from '../image/config.js';
import { commitImage } from '../image/manifest.js';
import type { ImageStore } from '../image/store.js';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../image/atomic.js';
import { sha256 } from '../image/digest.js';
import type { Boxfile, Instruction } from '../parser/instructions.js';
import { resolveIgnore } from '../parser/ignore-file.js';
import { snapshotContext, type ContextStats } from './context.js';
import type { ProgressEmitter, StepInfo } from './events.js';
import type { TransferListener } from '../image/registry/events.js';
import type { CacheSpec } from './remote-cache/spec.js';
import { executePlan, type BuildResult } from './executor.js';
import { planBuild, type ImageUse } from './plan.js';
import type { BuildPlan, ResolvedBase } from './plan-types.js';

export interface BuildRequest {
  store: ImageStore;
  /** the Boxfile text and the name shown in messages (as given with -f) */
  boxfileText: string;
  boxfileDisplay: string;
  /** absolute path of the Boxfile (for <Boxfile>.dockerignore) */
  boxfilePath: string;
  contextDir: string;
  tags: string[];
  buildArgs: ReadonlyMap<string, string>;
  target?: string;
  noCache?: boolean;
  labels?: ReadonlyMap<string, string>;
  secrets?: ReadonlyMap<string, Buffer>;
  network?: 'default' | 'none' | 'host';
  /** seconds; from SOURCE_DATE_EPOCH (env or build arg); default 0 */
  sourceDateEpoch: number;
  events: ProgressEmitter;
  /** changes the parsed-Boxfile cache key (tsbuild's version) */
  cacheSalt?: string;
  /** base directory for relative oci-archive:/docker-archive: paths */
  cwd: string;
  /** --pull: re-resolve every base image's tag in its registry */
  pull?: boolean;
  /** for registry credentials (the Docker config) */
  env?: NodeJS.ProcessEnv;
  onTransfer?: TransferListener;
  /** --cache-from: read before executing (not with noCache) */
  cacheFrom?: CacheSpec[];
  /** --cache-to: written after the image is committed */
  cacheTo?: CacheSpec[];
}

export interface BuildOutcome {
  id: string;
  manifestDigest: string;
  plan: BuildPlan;
  result: BuildResult;
  tags: string[];
  contextStats: ContextStats;
}

/** the documented default when SOURCE_DATE_EPOCH is not set: 0 (1970-01-01T00:00:00Z), never the clock */
export const DEFAULT_SOURCE_DATE_EPOCH = 0;

export function sourceDateEpochFrom(env: NodeJS.ProcessEnv, buildArgs: ReadonlyMap<string, string>): number {
  const raw = buildArgs.get('SOURCE_DATE_EPOCH') ?? env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return DEFAULT_SOURCE_DATE_EPOCH;
  if (!/^\d+$/.test(raw)) throw new TsbuildError('usage', 'BAD_EPOCH', `SOURCE_DATE_EPOCH must be a whole number of seconds, not '${raw}'`);
  return Number(raw);
}

/** the pull as a step of the build's progress: its resolve and blob lines as the step's log */
function pullProgress(req: BuildRequest, ref: string, use: ImageUse | undefined, total: number): { info: StepInfo; listener: TransferListener } {
  const info: StepInfo = { id: `pull:${ref}`, stage: use?.stage ?? 0, stageName: use?.stageName ?? 'stage-0', index: 1, total, instruction: 'FROM', label: `pull ${ref}`, kind: 'from' };
  const log = (line: string) => req.events.emit({ type: 'step-log', id: info.id, stream: 'stdout', line });
  const listener: TransferListener = (e) => {
    req.onTransfer?.(e);
    if (e.type === 'resolved') log(`resolve ${e.reference} ${e.manifestDigest}${e.platform ? ` (${e.platform})` : ''}`);
    else if (e.type === 'blob' && e.status !== 'started') log(`${e.digest} ${e.size} bytes ${e.status === 'done' ? 'done' : e.status}`);
    else if (e.type === 'warning') log(`warning: ${e.message}`);
  };
  return { info, listener };
}

async function resolveImage(store: ImageStore, ref: string, req: BuildRequest, use?: ImageUse, total = 1): Promise<ResolvedBase> {
  const archive = /^(oci-archive|docker-archive):(.+)$/.exec(ref);
  if (archive) {
    const file = path.resolve(req.cwd, archive[2] as string);
    const { loadArchive } = await import('../image/archive-load.js');
    const loaded = await loadArchive(store, createReadStream(file), `${archive[1]}:${file}`);
    const first = loaded[0];
    if (!first) throw new TsbuildError('build', 'BASE_ARCHIVE_EMPTY', `${ref}: the archive holds no image`);
    const img = await store.resolve(first.id);
    return { ref, manifestDigest: first.manifestDigest, id: first.id, config: img.config };
  }
  if (!req.pull) {
    try {
      const img = await store.resolve(ref);
      return { ref, manifestDigest: img.manifestDigest, id: img.id, config: img.config };
    } catch (err) {
      if (!(err instanceof TsbuildError && err.code === 'IMAGE_NOT_FOUND')) throw err;
    }
  }
  // not in the store (or --pull): from its registry; the client is loaded only now
  const { ensureImage } = await import('../image/registry/ensure.js');
  const { info, listener } = pullProgress(req, ref, use, total);
  const t0 = req.events.elapsed();
  req.events.emit({ type: 'step-start', step: info });
  try {
    const { image: img } = await ensureImage(store, ref, { env: req.env ?? {}, policy: req.pull ? 'always' : 'missing', onEvent: listener });
    req.events.emit({ type: 'step-done', id: info.id, durationMs: req.events.elapsed() - t0, cached: false });
    return { ref, manifestDigest: img.manifestDigest, id: img.id, config: img.config };
  } catch (err) {
    const where = use ? `${formatPosition(use.range)}: ` : '';
    const what = use?.via === '--from' ? `--from=${ref}` : `FROM ${ref}`;
    const message = `${where}${what}: ${err instanceof Error ? err.message : String(err)}`;
    req.events.emit({ type: 'step-failed', id: info.id, durationMs: req.events.elapsed() - t0, message });
    throw new TsbuildError('build', 'BASE_NOT_FOUND', message, { cause: err, ...(use ? { ranges: [use.range] } : {}) });
  }
}

/**
 * Stores the image and its tags, unless the store already holds this very
 * image under every tag (or untagged, when there are none): then a fully
 * cached rebuild writes nothing at all — no blob, no index, no lock.
 */
type ParserModule = typeof import('../parser/index.js');

/**
 * The parsed Boxfile, from a cache keyed by the Boxfile's bytes, its name and
 * tsbuild's version when it was parsed before: an unchanged Boxfile skips
 * loading the parser at all (start-up time is most of a cached rebuild).
 */
async function loadBoxfile(req: BuildRequest): Promise<Boxfile> {
  const key = sha256(`${req.cacheSalt ?? ''}\0${req.boxfileDisplay}\0${req.boxfileText}`).slice('sha256:'.length);
  const file = path.join(req.store.root, 'cache', 'boxfile', `${key}.json`);
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Boxfile;
  } catch {
    // not cached yet
  }
  const parser: ParserModule = await import('../parser/index.js');
  const parsed = parser.parseBoxfile(req.boxfileText, { file: req.boxfileDisplay });
  if (parser.hasErrors(parsed.diagnostics)) throw parser.boxfileError(parsed.diagnostics, req.boxfileText);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, JSON.stringify(parsed.value)).catch(() => undefined);
  return parsed.value;
}

export async function build(req: BuildRequest): Promise<BuildOutcome> {
  const { store, events } = req;
  const boxfile = await loadBoxfile(req);
  // a stage's own ONBUILD runs in the stages built FROM it: its triggers need the parser
  let parser: ParserModule | undefined = boxfile.instructions.some((i) => i.kind === 'onbuild') ? await import('../parser/index.js') : undefined;
  events.emit({
    type: 'build-start',
    boxfile: req.boxfileDisplay,
    ...(req.target !== undefined ? { target: req.target } : {}),
    stages: boxfile.stages.map((s) => ({ index: s.index, name: s.name ?? `stage-${s.index}` })),
  });

  const ignore = resolveIgnore(req.contextDir, req.boxfilePath);
  const { snapshot, stats } = await snapshotContext(req.contextDir, {
    ignore: (p) => ignore.matcher.matches(p),
    cacheDir: path.join(store.root, 'cache', 'context'),
  });

  const parseTrigger = (text: string): Instruction => {
    if (!parser) throw new TsbuildError('internal', 'INTERNAL', 'ONBUILD trigger met before the parser was loaded');
    const r = parser.parseBoxfile(`FROM scratch\n${text}\n`, { file: `${req.boxfileDisplay} (ONBUILD of the base image)` });
    if (parser.hasErrors(r.diagnostics)) throw parser.boxfileError(r.diagnostics, `FROM scratch\n${text}\n`);
    const ins = r.value.stages[0]?.instructions[0];
    if (!ins) throw new TsbuildError('boxfile', 'ONBUILD', `empty ONBUILD trigger in the base image: ${text}`);
    return ins;
  };

  const images = new Map<string, ResolvedBase>();
  const urls = new Map<string, string>();
  const gitCommits = new Map<string, string>();
  const platform = { os: 'linux', architecture: ociArchitecture() };
  let plan: BuildPlan | undefined;
  for (let round = 0; round < 8 && !plan; round++) {
    const res = planBuild({
      boxfile,
      buildArgs: req.buildArgs,
      context: snapshot,
      images,
      platform,
      sourceDateEpoch: req.sourceDateEpoch,
      ...(req.target !== undefined ? { target: req.target } : {}),
      ...(req.network ? { network: req.network } : {}),
      ...(req.labels ? { labels: req.labels } : {}),
      parseTrigger,
      urls,
      gitCommits,
    });
    if (res.plan) plan = res.plan;
    else {
      for (const ref of res.missingImages) {
        const use = res.imageUses.get(ref);
        const total = use ? (boxfile.stages[use.stage]?.instructions.length ?? 0) + 1 : 1;
        images.set(ref, await resolveImage(store, ref, req, use, total));
      }
      if (res.missingUrls.length > 0) {
        const { fetchUrlContent } = await import('./url-fetch.js');
        for (const u of res.missingUrls) urls.set(u.url, await fetchUrlContent(store, u));
      }
      if (res.missingGits.length > 0) {
        const { resolveGitCommit } = await import('./git-checkout.js');
        const { gitSourceId } = await import('./git-source.js');
        for (const g of res.missingGits) gitCommits.set(gitSourceId(g.source), await resolveGitCommit(g.source, g.range));
      }
      // triggers of a base image are parsed: load the parser for them
      if (!parser && [...images.values()].some((i) => (i.config.config?.OnBuild ?? []).length > 0)) parser = await import('../parser/index.js');
    }
  }
  if (!plan) throw new TsbuildError('internal', 'INTERNAL', 'planning did not settle on a set of images');

  if (req.cacheFrom?.length && !req.noCache) {
    const rc = await import('./remote-cache/import.js');
    for (const spec of req.cacheFrom) await rc.importCache(store, plan, await rc.openCache(spec, req.env ?? {}));
  }
  const result = await executePlan({ store, plan, context: snapshot, events, ...(req.noCache ? { noCache: true } : {}), ...(req.secrets ? { secrets: req.secrets } : {}) });
  const t0 = events.elapsed();
  events.emit({ type: 'export-start', label: 'exporting to image' });
  // a fully cached rebuild writes nothing: the image and its tags are there already
  const committed = await commitImage(store, result.configBytes, result.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })), req.tags, { unlessPresent: true });
  events.emit({ type: 'export-done', imageId: committed.id, tags: req.tags, durationMs: events.elapsed() - t0 });
  if (req.cacheTo?.length) {
    const rc = await import('./remote-cache/export.js');
    for (const spec of req.cacheTo) await rc.exportCache(store, plan, spec, req.env ?? {});
  }
  return { id: committed.id, manifestDigest: committed.manifestDigest, plan, result, tags: req.tags, contextStats: stats };
}
