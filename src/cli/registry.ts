// Every command, loaded lazily so that a command pays only for its own code
// (`run` never loads the parser). Keep the list sorted.
import type { Command } from './command.js';

export type CommandLoader = () => Promise<Command>;

export const commands: Record<string, CommandLoader> = {
  build: async () => (await import('./commands/build.js')).command,
  graph: async () => (await import('./commands/graph.js')).command,
  history: async () => (await import('./commands/history.js')).command,
  images: async () => (await import('./commands/images.js')).command,
  import: async () => (await import('./commands/import.js')).command,
  inspect: async () => (await import('./commands/inspect.js')).command,
  load: async () => (await import('./commands/load.js')).command,
  login: async () => (await import('./commands/login.js')).command,
  logout: async () => (await import('./commands/logout.js')).command,
  parse: async () => (await import('./commands/parse.js')).command,
  prune: async () => (await import('./commands/prune.js')).command,
  pull: async () => (await import('./commands/pull.js')).command,
  push: async () => (await import('./commands/push.js')).command,
  rmi: async () => (await import('./commands/rmi.js')).command,
  run: async () => (await import('./commands/run.js')).command,
  save: async () => (await import('./commands/save.js')).command,
  system: async () => (await import('./commands/system.js')).command,
  tag: async () => (await import('./commands/tag.js')).command,
  version: async () => (await import('./commands/version.js')).command,
};

/** the verb used when the first argument is not a command (`tsbuild -f Boxfile .`) */
export const defaultCommand = 'build';
