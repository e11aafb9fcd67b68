// The registry of the one-file `build` bundle (dist/build.cjs): scripts/build.mjs
// puts it in place of registry.ts there, so that a build loads nothing but the
// build path. The launcher (launcher.ts) sends `build` and the verb-less form
// (`tsbuild -f Boxfile .`) here, except when the TTY display (ink) would be shown.
import type { CommandLoader } from './registry.js';
import { command as build } from './commands/build.js';

export const commands: Record<string, CommandLoader> = {
  build: async () => build,
};
