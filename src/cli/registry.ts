// Every command, loaded lazily so that a command pays only for its own code
// (`run` never loads the parser). Keep the list sorted; its keys are
// registry-names.ts's names, no more, no fewer (checked by tsc).
import type { Command } from './command.js';
import type { CommandName } from './registry-names.js';

export type CommandLoader = () => Promise<Command>;

export const commands: Record<string, CommandLoader> = {
  __monitor: async () => (await import('./commands/monitor.js')).command,
  build: async () => (await import('./commands/build.js')).command,
  commit: async () => (await import('./commands/commit.js')).command,
  cp: async () => (await import('./commands/cp.js')).command,
  diff: async () => (await import('./commands/diff.js')).command,
  exec: async () => (await import('./commands/exec.js')).command,
  export: async () => (await import('./commands/export.js')).command,
  graph: async () => (await import('./commands/graph.js')).command,
  history: async () => (await import('./commands/history.js')).command,
  images: async () => (await import('./commands/images.js')).command,
  import: async () => (await import('./commands/import.js')).command,
  inspect: async () => (await import('./commands/inspect.js')).command,
  kill: async () => (await import('./commands/kill.js')).command,
  load: async () => (await import('./commands/load.js')).command,
  login: async () => (await import('./commands/login.js')).command,
  logout: async () => (await import('./commands/logout.js')).command,
  logs: async () => (await import('./commands/logs.js')).command,
  parse: async () => (await import('./commands/parse.js')).command,
  pause: async () => (await import('./commands/pause.js')).command,
  port: async () => (await import('./commands/port.js')).command,
  prune: async () => (await import('./commands/prune.js')).command,
  ps: async () => (await import('./commands/ps.js')).command,
  pull: async () => (await import('./commands/pull.js')).command,
  push: async () => (await import('./commands/push.js')).command,
  rename: async () => (await import('./commands/rename.js')).command,
  restart: async () => (await import('./commands/restart.js')).command,
  rm: async () => (await import('./commands/rm.js')).command,
  rmi: async () => (await import('./commands/rmi.js')).command,
  run: async () => (await import('./commands/run.js')).command,
  save: async () => (await import('./commands/save.js')).command,
  start: async () => (await import('./commands/start.js')).command,
  stats: async () => (await import('./commands/stats.js')).command,
  stop: async () => (await import('./commands/stop.js')).command,
  system: async () => (await import('./commands/system.js')).command,
  tag: async () => (await import('./commands/tag.js')).command,
  top: async () => (await import('./commands/top.js')).command,
  unpause: async () => (await import('./commands/unpause.js')).command,
  version: async () => (await import('./commands/version.js')).command,
  volume: async () => (await import('./commands/volume.js')).command,
  wait: async () => (await import('./commands/wait.js')).command,
} satisfies Record<CommandName, CommandLoader>;
