// Errors are values: a stable code, a category that the CLI maps to an exit
// code, source ranges where there are any, and a cause.

export interface SourcePosition {
  /** 1-based line */
  line: number;
  /** 1-based column */
  column: number;
  /** 0-based offset into the file text */
  offset: number;
}

export interface SourceRange {
  /** the path as the user gave it (e.g. with -f) */
  file: string;
  start: SourcePosition;
  end: SourcePosition;
}

/**
 * usage: bad flags or arguments; boxfile: the Boxfile is invalid;
 * build: a build step failed; image: a store/image problem (missing ref…);
 * runtime: the container could not be set up; internal: a bug in tsbuild.
 */
export type ErrorCategory = 'usage' | 'boxfile' | 'build' | 'image' | 'runtime' | 'internal';

export interface TsbuildErrorOptions {
  ranges?: SourceRange[];
  cause?: unknown;
  /** extra lines shown under the message (e.g. the last output lines of a step) */
  details?: string[];
}

export class TsbuildError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly ranges: SourceRange[];
  readonly details: string[];

  constructor(category: ErrorCategory, code: string, message: string, options: TsbuildErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TsbuildError';
    this.category = category;
    this.code = code;
    this.ranges = options.ranges ?? [];
    this.details = options.details ?? [];
  }
}

export function usageError(message: string, cause?: unknown): TsbuildError {
  return new TsbuildError('usage', 'USAGE', message, { cause });
}

export function isTsbuildError(err: unknown): err is TsbuildError {
  return err instanceof TsbuildError;
}

/** Formats a range as FILE:LINE:COL */
export function formatPosition(range: SourceRange): string {
  return `${range.file}:${range.start.line}:${range.start.column}`;
}
