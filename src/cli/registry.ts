// Every command, loaded lazily so that a command pays only for its own code
// (`run` never loads the parser). Keep the list sorted.
import type { Command } from './command.js';

export type CommandLoader = () => Promise<Command>;

export const commands: Record<string, CommandLoader> = {
  login: async () => (await import('./commands/login.js')).command,
  logout: async () => (await import('./commands/logout.js')).command,
  pull: async () => (await import('./commands/pull.js')).command,
  push: async () => (await import('./commands/push.js')).command,
  version: async () => (await import('./commands/version.js')).command,
};

/** the verb used when the first argument is not a command (`tsbuild -f Boxfile .`) */
export const defaultCommand = 'build';
