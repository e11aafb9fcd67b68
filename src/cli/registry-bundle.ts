// Which bundle holds the command an argv asks for (the launcher, launcher.ts,
// decides with this before loading any command's code): the one-file run or
// build bundle, the one-file bundle of every command (cli.cjs: no ink), or
// the code-split ES module build for a build that shows the TTY display. Pure.
import { splitGlobal } from './global-args.js';
import { dispatch } from './registry-names.js';
import { pickMode, type ProgressMode } from './ui/renderer.js';

/**
 * Whether a build with these arguments shows the TTY display, read as
 * commands/build.ts reads them (the last --progress wins, nothing after `--`,
 * -q shows none). A flag it does not see (-q inside bundled shorts, -qt) only
 * sends the build to the split build, which can show every display.
 */
export function buildShowsTty(args: readonly string[], stderrIsTTY: () => boolean, env: NodeJS.ProcessEnv): boolean {
  let progress: string = 'auto';
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') break;
    if (a === '--progress') progress = args[++i] ?? '';
    else if (a.startsWith('--progress=')) progress = a.slice('--progress='.length);
    else if (a === '-q' || a === '--quiet') quiet = true;
  }
  if (quiet) return false;
  // the terminal is looked at only when it decides (node:tty loads node:net)
  const isTTY = progress === 'auto' && !env.CI && stderrIsTTY();
  return pickMode(progress as ProgressMode, isTTY, env) === 'tty';
}

/** the one-file bundle for these arguments, or undefined for the split build */
export function pickBundle(argv: readonly string[], requireModule: boolean, stderrIsTTY: () => boolean, env: NodeJS.ProcessEnv): 'run.cjs' | 'build.cjs' | 'cli.cjs' | undefined {
  if (!requireModule) return undefined;
  const picked = dispatch(splitGlobal(argv).rest);
  if (picked.kind !== 'command') return 'cli.cjs';
  if (picked.name === 'run') return 'run.cjs';
  if (picked.name === 'build') return buildShowsTty(picked.args, stderrIsTTY, env) ? undefined : 'build.cjs';
  return 'cli.cjs';
}
