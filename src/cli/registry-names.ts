// The command names (registry.ts holds their loaders, keyed by exactly these
// names: tsc checks it) and how the arguments after the global options pick
// one. Shared by main.ts and by the launcher (launcher.ts), which must pick
// a bundle before loading any command's code. Keep the list sorted.
export const commandNames = [
  '__monitor', 'build', 'commit', 'cp', 'diff', 'exec', 'export', 'graph', 'history', 'images', 'import',
  'inspect', 'kill', 'load', 'login', 'logout', 'logs', 'parse', 'pause', 'port', 'prune', 'ps', 'pull',
  'push', 'rename', 'restart', 'rm', 'rmi', 'run', 'save', 'start', 'stats', 'stop', 'system', 'tag', 'top',
  'unpause', 'version', 'volume', 'wait',
] as const;

export type CommandName = (typeof commandNames)[number];

/** the verb used when the first argument is not a command (`tsbuild -f Boxfile .`) */
const defaultCommand: CommandName = 'build';

export type Dispatch =
  /** no arguments (`given` false: a usage error), `--help`, `-h`, or `help [TOPIC]` */
  | { kind: 'help'; given: boolean; topic: string | undefined }
  | { kind: 'command'; name: CommandName; args: string[] }
  | { kind: 'unknown'; message: string };

const known = new Set<string>(commandNames);

function isCommandName(name: string): name is CommandName {
  return known.has(name);
}

/** Picks the command from the arguments that follow the global options (global-args.ts). */
export function dispatch(rest: readonly string[]): Dispatch {
  const first = rest[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    return { kind: 'help', given: first !== undefined, topic: first === 'help' ? rest[1] : undefined };
  }
  if (isCommandName(first)) return { kind: 'command', name: first, args: rest.slice(1) };
  // a lone word that is not a command is a typo more often than a folder
  if (!first.startsWith('-') && !/[./]/.test(first) && rest.length === 1) {
    return { kind: 'unknown', message: `unknown command: ${first} (to build the folder '${first}', write ./${first})` };
  }
  return { kind: 'command', name: defaultCommand, args: [...rest] };
}
