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
import type { RootfsSource } from '../../runtime/container.js';

export const command: Command = {
  name: 'run',
  summary: 'Run a command in a new container',
  usage: 'tsbuild run [OPTIONS] IMAGE [COMMAND [ARG…]]\n       tsbuild run [OPTIONS] --rootfs DIR COMMAND [ARG…]',
  flags: runFlags,
  stopAtPositional: true,
  async run(ctx, argv) {
    const options = toRunOptions(parseArgs(argv, runFlags, { stopAtPositional: true }));
    const envFileEntries: string[] = [];
    for (const file of options.envFiles) {
      const abs = path.resolve(ctx.cwd, file);
      const text = await readFile(abs, 'utf8').catch((err: unknown) => {
        throw usageError(`--env-file ${file}: ${(err as Error).message}`, err);
      });
      envFileEntries.push(...parseEnvFile(file, text, ctx.env));
    }
    const { imageName, image, source } = await resolveRootfs(ctx.root, options);
    const { runAttached } = await import('../../runtime/container.js');
    return runAttached({
      root: ctx.root,
      options,
      imageName,
      image,
      source,
      envFileEntries,
      hostEnv: ctx.env,
      stdin: ctx.stdin,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
    });
  },
};

async function resolveRootfs(_root: string, options: RunOptions): Promise<{ imageName: string; image: ImageRunConfig; source: RootfsSource }> {
  if (options.rootfs !== undefined) {
    const st = await stat(options.rootfs).catch(() => undefined);
    if (!st?.isDirectory()) throw usageError(`--rootfs ${options.rootfs}: not a directory`);
    return { imageName: options.rootfs, image: {}, source: { kind: 'dir', dir: options.rootfs } };
  }
  throw new TsbuildError('image', 'IMAGE_STORE_MISSING', `cannot run ${options.image}: the image store is not available in this build; use --rootfs DIR`);
}
