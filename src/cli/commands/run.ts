// tsbuild run [OPTIONS] IMAGE [COMMAND [ARG…]] — runs a container attached to
// the terminal and returns its exit status. Loads neither the Boxfile parser
// nor ink: only the runtime.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { TsbuildError, usageError } from '../../errors.js';
import { runFlags, toRunOptions, parseEnvFile, type RunOptions } from '../../runtime/run-options.js';
import type { ImageRunConfig } from '../../runtime/spec.js';
// static: this command's chunk is loaded lazily anyway, and one module load less counts
import { newContainerId, runAttached, type RootfsSource } from '../../runtime/container.js';
import type { CommandContext } from '../command.js';
import { lifecycleRunFlags, runDetached } from '../../runtime/lifecycle/detach.js';
import type { LifecycleHooks } from '../../runtime/lifecycle/hooks.js';
import { expandVolumeFlags, imageVolumeMounts, releaseRunVolumes, volumePlan } from '../../runtime/lifecycle/volumes.js';
import { recordingHooks } from '../../runtime/lifecycle/record-hooks.js';
import { containerDir } from '../../runtime/state.js';

const flags = [...runFlags, ...lifecycleRunFlags];

export const command: Command = {
  name: 'run',
  summary: 'Run a command in a new container',
  usage: 'tsbuild run [OPTIONS] IMAGE [COMMAND [ARG…]]\n       tsbuild run [OPTIONS] --rootfs DIR COMMAND [ARG…]',
  flags,
  stopAtPositional: true,
  run: (ctx, argv) => runContainer(ctx, argv),
};

/** `run`; with -d through a monitor, which calls this again with its hooks */
export async function runContainer(ctx: CommandContext, argv: string[], lifecycle?: LifecycleHooks): Promise<number> {
    const parsed = parseArgs(argv, flags, { stopAtPositional: true });
    if (parsed.flags.get('detach') === true && !lifecycle) return runDetached(ctx, argv);
    // every container gets its life-cycle record (exec, cp, diff, restart… read it)
    const hooks = lifecycle ?? recordingHooks({ root: ctx.root, id: newContainerId(), runArgv: argv, cwd: ctx.cwd, detached: false });
    const volumes = volumePlan(hooks.previous?.record?.anonymousVolumes);
    hooks.anonymousVolumes = volumes.anonymous;
    if (parsed.flags.has('volume')) parsed.flags.set('volume', expandVolumeFlags(ctx.root, parsed.flags.get('volume') as string[], volumes));
    const options = toRunOptions(parsed);
    const envFileEntries: string[] = [];
    for (const file of options.envFiles) {
      const abs = path.resolve(ctx.cwd, file);
      const text = await readFile(abs, 'utf8').catch((err: unknown) => {
        throw usageError(`--env-file ${file}: ${(err as Error).message}`, err);
      });
      envFileEntries.push(...parseEnvFile(file, text, ctx.env));
    }
    const resolved = await resolveRootfs(ctx.root, options, ctx.env);
    options.mounts.push(...imageVolumeMounts(ctx.root, (resolved.image as { Volumes?: Record<string, unknown> }).Volumes, options.mounts, volumes));
    // an attached run that keeps its container logs its output too (with -t, what the pty shows, as stdout)
    const logged = !lifecycle && !options.rm ? (await import('../../runtime/lifecycle/attached-log.js')).teeToLog(containerDir(ctx.root, hooks.id), ctx.stdout, ctx.stderr) : undefined;
    try {
      const seed = async (source: RootfsSource) => (await import('../../runtime/lifecycle/volume-seed.js')).seedVolumes(volumes, source);
      // the vfs driver's copy of the image exists only inside runAttached: its volumes are seeded from it there
      const vfsImage = resolved.source.kind === 'layers' && resolved.source.materialize !== undefined;
      if (volumes.fresh.length > 0 && !vfsImage) await seed(resolved.source);
      return await runAttached({
        root: ctx.root,
        options,
        imageName: resolved.imageName,
        image: resolved.image,
        source: resolved.source,
        envFileEntries,
        hostEnv: ctx.env,
        stdin: ctx.stdin,
        stdout: logged?.stdout ?? ctx.stdout,
        stderr: logged?.stderr ?? ctx.stderr,
        terminal: ctx.stdout,
        ...(volumes.fresh.length > 0 && vfsImage ? { afterMaterialize: (dir: string) => seed({ kind: 'dir', dir }) } : {}),
        lifecycle: hooks,
      });
    } finally {
      await resolved.close();
      await logged?.close();
      releaseRunVolumes(ctx.root, options.rm && !hooks.restarting?.(), hooks.kept === true, volumes);
    }
}

interface Resolved {
  imageName: string;
  image: ImageRunConfig;
  source: RootfsSource;
  close(): Promise<void>;
}

/** IMAGE → its config and unpacked layers (each unpacked once, shared read-only), or --rootfs DIR */
async function resolveRootfs(root: string, options: RunOptions, env: NodeJS.ProcessEnv): Promise<Resolved> {
  if (options.rootfs !== undefined) {
    const st = await stat(options.rootfs).catch(() => undefined);
    if (!st?.isDirectory()) throw usageError(`--rootfs ${options.rootfs}: not a directory`);
    return { imageName: options.rootfs, image: {}, source: { kind: 'dir', dir: options.rootfs }, close: async () => undefined };
  }
  const ref = options.image as string;
  const { ImageStore } = await import('../../image/store.js');
  // the unpacker (tar, decompressors) is loaded only when a layer is not unpacked yet
  const unpacker = () => import('../../image/layer/unpack.js');
  const store = await ImageStore.open(root);
  try {
    const img = await store.resolve(ref).catch(async (err: unknown) => {
      if (!(err instanceof TsbuildError && err.code === 'IMAGE_NOT_FOUND')) throw err;
      // missing: pulled from its registry (the client is loaded only now)
      const { ensureImage } = await import('../../image/registry/ensure.js');
      try {
        return (await ensureImage(store, ref, { env, policy: 'missing' })).image;
      } catch (pullErr) {
        if (!(pullErr instanceof TsbuildError)) throw pullErr;
        const why = pullErr.cause instanceof Error ? pullErr.cause.message : pullErr.message;
        throw new TsbuildError('image', pullErr.code, `${err.message} in the store, and pulling it failed: ${why}`, { cause: pullErr });
      }
    });
    const diffIds = img.config.rootfs.diff_ids;
    const blobs = img.manifest.layers;
    if (diffIds.length !== blobs.length) {
      throw new TsbuildError('image', 'IMAGE_LAYERS_MISMATCH', `${ref}: the config lists ${diffIds.length} layers, the manifest ${blobs.length}`);
    }
    if (diffIds.length === 0) throw new TsbuildError('image', 'IMAGE_EMPTY', `${ref}: the image has no layers to run`);
    const refs = diffIds.map((diffId, i) => ({ diffId, blobDigest: (blobs[i] as { digest: string }).digest }));
    let source: RootfsSource;
    if (options.storageDriver === 'vfs') {
      source = { kind: 'layers', layersTopFirst: [], materialize: async (target) => (await unpacker()).applyLayers(store, refs, target) };
    } else {
      // an unpacked layer dir that exists is complete (it is renamed into place)
      const dirs = await Promise.all(
        refs.map(async (r) => {
          const dir = store.layerDir(r.diffId);
          if (await isDir(dir)) return dir;
          return (await unpacker()).ensureUnpacked(store, r.diffId, r.blobDigest);
        }),
      );
      source = { kind: 'layers', layersTopFirst: dirs.reverse() };
    }
    return { imageName: ref, image: img.config.config ?? {}, source, close: () => store.close() };
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}
