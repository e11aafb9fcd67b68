// The registry of the one-file `run` bundle (dist/run.cjs): scripts/build.mjs
// puts it in place of registry.ts there, so that `tsbuild run` loads nothing
// but the run path. The launcher (launcher.ts) sends only `run` here.
import type { CommandLoader } from './registry.js';
import { command as run } from './commands/run.js';

export const commands: Record<string, CommandLoader> = {
  run: async () => run,
};
