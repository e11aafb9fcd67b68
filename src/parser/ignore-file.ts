// Which ignore file applies to a build: `<Boxfile>.dockerignore` next to the
// Boxfile wins, else `.boxignore`, else `.dockerignore` in the context. The
// only part of the ignore support that reads the disk (through `readText`, so
// tests can hand in a map).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TsbuildError } from '../errors.js';
import { IgnoreMatcher, readIgnoreFile } from './ignore.js';

/** Returns the file's text, or undefined when it does not exist. */
export type ReadText = (file: string) => string | undefined;

export const readTextIfExists: ReadText = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new TsbuildError('usage', 'IGNORE_FILE', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
};

/** The ignore-file names to try, most specific first. */
export function ignoreFileCandidates(contextDir: string, boxfilePath?: string): string[] {
  const out: string[] = [];
  if (boxfilePath !== undefined) out.push(`${path.resolve(boxfilePath)}.dockerignore`);
  out.push(path.join(contextDir, '.boxignore'), path.join(contextDir, '.dockerignore'));
  return out;
}

export interface ResolvedIgnore {
  /** the file that was used, or undefined when there is none */
  file?: string;
  patterns: string[];
  matcher: IgnoreMatcher;
}

/**
 * Finds and reads the ignore file for a build. `boxfilePath` is the Boxfile
 * (absolute, or relative to the current directory, as `-f` gives it). A bad
 * pattern is a TsbuildError that names the file.
 */
export function resolveIgnore(contextDir: string, boxfilePath?: string, readText: ReadText = readTextIfExists): ResolvedIgnore {
  for (const file of ignoreFileCandidates(contextDir, boxfilePath)) {
    const text = readText(file);
    if (text === undefined) continue;
    const patterns = readIgnoreFile(text);
    try {
      return { file, patterns, matcher: IgnoreMatcher.compile(patterns) };
    } catch (err) {
      if (err instanceof TsbuildError) {
        throw new TsbuildError(err.category, err.code, `${file}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }
  return { patterns: [], matcher: IgnoreMatcher.compile([]) };
}
