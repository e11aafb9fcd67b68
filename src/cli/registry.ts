// Every command, loaded lazily so that a command pays only for its own code
// (`run` never loads the parser). Keep the list sorted.
import type { Command } from './command.js';

export type CommandLoader = () => Promise<Command>;

export const commands: Record<string, CommandLoader> = {
  graph: async () => (await import('./commands/graph.js')).command,
  parse: async () => (await import('./commands/parse.js')).command,
  version: async () => (await import('./commands/version.js')).command,
};

/** the verb used when the first argument is not a command (`tsbuild -f Boxfile .`) */
export const defaultCommand = 'build';
