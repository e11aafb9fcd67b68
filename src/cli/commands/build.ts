// tsbuild [build] [OPTIONS] CONTEXT: builds the Boxfile into an image in the
// store. Progress on stderr (ink on a TTY, plain lines otherwise, or JSON
// lines); the image ID on stdout. Exit 0 built, 1 a step failed, 2 a bad
// Boxfile or bad flags (main.ts maps the error categories).
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { build, sourceDateEpochFrom } from '../../builder/build.js';
import { ProgressEmitter, type BuildEvent } from '../../builder/events.js';
import { parseOutput, type OutputSpec } from '../../builder/output-spec.js';
import { traceFromEvents } from '../../builder/trace.js';
import { parseCacheSpec } from '../../builder/remote-cache/spec.js';
import { isTsbuildError, usageError } from '../../errors.js';
import { ImageStore } from '../../image/store.js';
import { normalizeTag } from '../../image/refs.js';
import { flagBool, flagList, flagString, parseArgs, type FlagSpec } from '../args.js';
import { readBoxfile, resolveBoxfile } from '../boxfile-path.js';
import type { Command, CommandContext } from '../command.js';
import { version } from '../version.js';
import { createJsonRenderer } from '../ui/json.js';
import { createPlainRenderer } from '../ui/plain.js';
import { pickMode, type ProgressMode, type Renderer } from '../ui/renderer.js';

const flags: FlagSpec[] = [
  { name: 'file', short: 'f', kind: 'string', value: 'FILE', description: 'the Boxfile (default CONTEXT/Boxfile, else CONTEXT/Dockerfile)' },
  { name: 'tag', short: 't', kind: 'list', value: 'REF', description: 'name the image' },
  { name: 'build-arg', kind: 'list', value: 'K=V', description: 'set a build-time ARG' },
  { name: 'target', kind: 'string', value: 'STAGE', description: 'build this stage (and only what it needs)' },
  { name: 'no-cache', kind: 'bool', description: 'run every step, ignoring the build cache' },
  { name: 'pull', kind: 'bool', description: 'pull every base image again, re-resolving its tag (missing ones are always pulled)' },
  { name: 'progress', kind: 'string', value: 'auto|tty|plain|json', description: 'progress output (default auto)' },
  { name: 'iidfile', kind: 'string', value: 'FILE', description: 'write the image ID to FILE' },
  { name: 'label', kind: 'list', value: 'K=V', description: 'set a label on the image' },
  { name: 'secret', kind: 'list', value: 'id=ID,src=PATH|env=VAR', description: 'a secret for RUN --mount=type=secret' },
  { name: 'network', kind: 'string', value: 'default|none|host', description: 'network for RUN steps' },
  { name: 'output', short: 'o', kind: 'list', value: 'type=oci|docker|local|tar,dest=PATH', description: 'also write the result here' },
  { name: 'trace', kind: 'string', value: 'FILE', description: 'write the build as Chrome trace-event JSON (open in Perfetto)' },
  { name: 'cache-from', kind: 'list', value: 'type=registry,ref=REF|type=local,src=DIR', description: 'use the build cache exported there (cache hits fetch their layers)' },
  { name: 'cache-to', kind: 'list', value: 'type=registry,ref=REF|type=local,dest=DIR[,mode=min|max]', description: 'export the build cache there (min: the final stage chain; max: every stage)' },
  { name: 'quiet', short: 'q', kind: 'bool', description: 'no progress output; print only the image ID' },
];

function keyValues(values: readonly string[], flag: string, env: NodeJS.ProcessEnv, allowBare: boolean): Map<string, string> {
  const m = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq === 0) throw usageError(`--${flag} ${v}: the name is empty`);
    if (eq < 0) {
      if (!allowBare) throw usageError(`--${flag} ${v}: want KEY=VALUE`);
      // `--build-arg NAME` takes the value from the environment, as Docker does
      if (env[v] !== undefined) m.set(v, env[v] as string);
      continue;
    }
    m.set(v.slice(0, eq), v.slice(eq + 1));
  }
  return m;
}

function parseSecrets(values: readonly string[], ctx: CommandContext): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const v of values) {
    const f = new Map(v.split(',').map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const));
    const id = f.get('id');
    if (!id) throw usageError(`--secret ${v}: id=ID is needed`);
    const src = f.get('src') ?? f.get('source');
    const envName = f.get('env');
    if (src !== undefined) {
      try {
        m.set(id, readFileSync(path.resolve(ctx.cwd, src)));
      } catch (err) {
        throw usageError(`--secret ${v}: cannot read ${src}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    } else if (envName !== undefined) {
      const value = ctx.env[envName];
      if (value === undefined) throw usageError(`--secret ${v}: the environment variable ${envName} is not set`);
      m.set(id, Buffer.from(value));
    } else throw usageError(`--secret ${v}: give src=PATH or env=VAR`);
  }
  return m;
}

async function makeRenderer(mode: Exclude<ProgressMode, 'auto'>, ctx: CommandContext): Promise<Renderer> {
  const write = (s: string) => void ctx.stderr.write(s);
  if (mode === 'json') return createJsonRenderer(write);
  if (mode === 'tty') {
    const { createTtyRenderer } = await import('../ui/tty.js');
    return createTtyRenderer({ stdout: ctx.stderr as NodeJS.WriteStream });
  }
  return createPlainRenderer(write);
}

export const command: Command = {
  name: 'build',
  summary: 'Build an image from a Boxfile (the default command)',
  usage: 'tsbuild [build] [OPTIONS] CONTEXT',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length !== 1) throw usageError(`build takes exactly one CONTEXT folder${args.positionals.length ? `, got: ${args.positionals.join(' ')}` : ''} (e.g. tsbuild -f Boxfile .)`);
    const contextArg = args.positionals[0] as string;
    const contextDir = path.resolve(ctx.cwd, contextArg);
    const st = await stat(contextDir).catch(() => undefined);
    if (!st?.isDirectory()) throw usageError(`build context ${contextArg} is not a folder`);
    const progress = (flagString(args, 'progress') ?? 'auto') as ProgressMode;
    if (!['auto', 'tty', 'plain', 'json'].includes(progress)) throw usageError(`--progress must be auto, tty, plain or json, not '${progress}'`);
    const network = flagString(args, 'network') ?? 'default';
    if (network !== 'default' && network !== 'none' && network !== 'host') throw usageError(`--network must be default, none or host, not '${network}'`);
    const tags = flagList(args, 'tag').map((t) => {
      try {
        return normalizeTag(t);
      } catch (err) {
        throw usageError(`-t ${t}: ${(err as Error).message}`);
      }
    });
    const buildArgs = keyValues(flagList(args, 'build-arg'), 'build-arg', ctx.env, true);
    const labels = keyValues(flagList(args, 'label'), 'label', ctx.env, false);
    const secrets = parseSecrets(flagList(args, 'secret'), ctx);
    const outputs: OutputSpec[] = flagList(args, 'output').map((o) => parseOutput(o, ctx.cwd));
    const sourceDateEpoch = sourceDateEpochFrom(ctx.env, buildArgs);
    const where = await resolveBoxfile(ctx.cwd, flagString(args, 'file'), contextArg);
    const text = await readBoxfile(where);

    const cacheFrom = flagList(args, 'cache-from').map((v) => parseCacheSpec(v, 'cache-from', ctx.cwd));
    const cacheTo = flagList(args, 'cache-to').map((v) => parseCacheSpec(v, 'cache-to', ctx.cwd));
    const quiet = flagBool(args, 'quiet');
    const events = new ProgressEmitter();
    const recorded: BuildEvent[] = [];
    const traceFile = flagString(args, 'trace');
    if (traceFile !== undefined) events.subscribe((e) => recorded.push(e));
    const renderer = quiet ? undefined : await makeRenderer(pickMode(progress, !!ctx.stderr.isTTY, ctx.env), ctx);
    if (renderer) events.subscribe((e) => renderer.onEvent(e));

    const store = await ImageStore.open(ctx.root);
    try {
      const target = flagString(args, 'target');
      const outcome = await build({
        store,
        boxfileText: text,
        boxfileDisplay: where.display,
        boxfilePath: where.path,
        contextDir,
        tags,
        buildArgs,
        ...(target !== undefined ? { target } : {}),
        noCache: flagBool(args, 'no-cache'),
        labels,
        secrets,
        network,
        sourceDateEpoch,
        events,
        cacheSalt: version,
        cwd: ctx.cwd,
        pull: flagBool(args, 'pull'),
        env: ctx.env,
        cacheFrom,
        cacheTo,
      });
      if (outputs.length > 0) {
        const { writeOutput } = await import('../../builder/export.js');
        for (const o of outputs) await writeOutput(store, o, outcome.id, outcome.result.layers);
      }
      events.emit({ type: 'build-done', imageId: outcome.id, durationMs: events.elapsed() });
      const iid = flagString(args, 'iidfile');
      if (iid !== undefined) await writeFile(path.resolve(ctx.cwd, iid), outcome.id);
      await renderer?.close();
      ctx.stdout.write(`${outcome.id}\n`);
      return 0;
    } catch (err) {
      events.emit({ type: 'build-failed', message: isTsbuildError(err) ? err.message : String(err), durationMs: events.elapsed() });
      await renderer?.close();
      throw err;
    } finally {
      if (traceFile !== undefined) await writeFile(path.resolve(ctx.cwd, traceFile), JSON.stringify(traceFromEvents(recorded))).catch(() => undefined);
      await store.close();
    }
  },
};
