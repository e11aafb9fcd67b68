// The shape every CLI command has. Commands return an exit status or throw a
// TsbuildError; only main.ts turns errors into exit codes.
import type { FlagSpec } from './args.js';

export interface CommandContext {
  /** the store root: --root, else $TSBUILD_ROOT, else /var/lib/tsbuild */
  root: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  cwd: string;
}

export interface Command {
  name: string;
  /** one line for `tsbuild --help` */
  summary: string;
  /** e.g. 'tsbuild parse [OPTIONS]' */
  usage: string;
  flags: readonly FlagSpec[];
  /** options stop at the first positional argument (run IMAGE CMD…) */
  stopAtPositional?: boolean;
  run(ctx: CommandContext, argv: string[]): Promise<number>;
}
