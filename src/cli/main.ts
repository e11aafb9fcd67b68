#!/usr/bin/env node
// The one place that picks exit codes: 0 ok, 1 build failed, 2 usage or
// Boxfile error, 125 tsbuild itself failed. `run` passes the container's
// status through as its own return value.
import { formatFlagHelp, parseArgs, type FlagSpec } from './args.js';
import type { Command, CommandContext } from './command.js';
import { commands } from './registry.js';
import { dispatch } from './registry-names.js';
import { isTsbuildError, usageError, type ErrorCategory } from '../errors.js';
import { version } from './version.js';
import { splitGlobal } from './global-args.js';
import { pathToFileURL } from 'node:url';

const globalFlags: FlagSpec[] = [
  { name: 'root', kind: 'string', value: 'DIR', description: 'store root (default $TSBUILD_ROOT or /var/lib/tsbuild)' },
  { name: 'debug', kind: 'bool', description: 'show stack traces for errors' },
  { name: 'help', short: 'h', kind: 'bool', description: 'show help' },
  { name: 'version', short: 'v', kind: 'bool', description: 'show the version' },
];

const exitCodes: Record<ErrorCategory, number> = {
  usage: 2,
  boxfile: 2,
  build: 1,
  image: 125,
  runtime: 125,
  internal: 125,
};

async function topHelp(): Promise<string> {
  const lines = ['Usage: tsbuild [GLOBAL OPTIONS] COMMAND [ARG…]', '       tsbuild [build OPTIONS] CONTEXT', '', 'Commands:'];
  const names = Object.keys(commands).filter((n) => !n.startsWith('__')).sort();
  const loaded = await Promise.all(names.map((n) => (commands[n] as () => Promise<Command>)()));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  for (const c of loaded) lines.push(`  ${c.name.padEnd(width)}${c.summary}`);
  lines.push('', 'Global options:', formatFlagHelp(globalFlags), '', "Run 'tsbuild COMMAND --help' for a command's options.");
  return lines.join('\n') + '\n';
}

function commandHelp(c: Command): string {
  const flags = [...c.flags, { name: 'help', short: 'h', kind: 'bool', description: 'show this help' } as FlagSpec];
  return `Usage: ${c.usage}\n\n${c.summary}\n\nOptions:\n${formatFlagHelp(flags)}\n`;
}

export async function main(argv: string[], ctxIn?: Partial<CommandContext>): Promise<number> {
  const env = ctxIn?.env ?? process.env;
  const stderr = ctxIn?.stderr ?? process.stderr;
  const { global, rest } = splitGlobal(argv);
  let debug = false;
  try {
    const g = parseArgs(global, globalFlags);
    debug = g.flags.get('debug') === true;
    const ctx: CommandContext = {
      root: (g.flags.get('root') as string | undefined) || env.TSBUILD_ROOT || '/var/lib/tsbuild',
      env,
      stdout: ctxIn?.stdout ?? process.stdout,
      stderr,
      stdin: ctxIn?.stdin ?? process.stdin,
      cwd: ctxIn?.cwd ?? process.cwd(),
    };
    if (g.flags.get('version')) {
      ctx.stdout.write(`tsbuild ${version}\n`);
      return 0;
    }
    const picked = dispatch(rest);
    if (picked.kind === 'help') {
      const topic = picked.topic;
      if (topic && commands[topic]) ctx.stdout.write(commandHelp(await (commands[topic] as () => Promise<Command>)()));
      else ctx.stdout.write(await topHelp());
      return picked.given ? 0 : 2;
    }
    if (picked.kind === 'unknown') throw usageError(picked.message);
    const { name, args } = picked;
    // a one-command bundle (registry-run.ts, registry-build.ts) has only its own
    const loader = commands[name];
    if (!loader) throw usageError(`unknown command: ${name}`);
    const command = await loader();
    if (args.some((a, i) => (a === '--help' || a === '-h') && !(command.stopAtPositional && args.slice(0, i).some((p) => !p.startsWith('-'))))) {
      ctx.stdout.write(commandHelp(command));
      return 0;
    }
    return await command.run(ctx, args);
  } catch (err) {
    if (isTsbuildError(err)) {
      stderr.write(`tsbuild: ${err.message}\n`);
      for (const d of err.details) stderr.write(`${d}\n`);
      if (err.category === 'internal') stderr.write('This is a bug in tsbuild; please report it.\n');
      if (debug && err.stack) stderr.write(`${err.stack}\n`);
      return exitCodes[err.category];
    }
    const e = err as Error;
    stderr.write(`tsbuild: internal error: ${e?.message ?? String(err)}\nThis is a bug in tsbuild; please report it.\n`);
    if (debug && e?.stack) stderr.write(`${e.stack}\n`);
    return 125;
  }
}

/** runs the CLI as this process: the exit status goes to process.exitCode */
export function cli(argv: string[]): Promise<void> {
  return main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`tsbuild: internal error: ${String(err)}\n`);
      process.exitCode = 125;
    },
  );
}

// `node --import tsx src/cli/main.ts`; the bundles are started by dist/tsbuild.js (launcher.ts)
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void cli(process.argv.slice(2));
