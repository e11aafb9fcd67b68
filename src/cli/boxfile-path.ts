// Which Boxfile a command reads: `-f FILE`, else `Boxfile`, else
// `Dockerfile` in the context folder. `display` is the path as the user gave
// it, and is what every diagnostic shows.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError, usageError } from '../errors.js';

export interface BoxfilePath {
  /** absolute */
  path: string;
  /** as given with -f, or CONTEXT/Boxfile */
  display: string;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

export async function resolveBoxfile(cwd: string, file: string | undefined, context = '.'): Promise<BoxfilePath> {
  if (file !== undefined && file !== '') return { path: path.resolve(cwd, file), display: file };
  for (const name of ['Boxfile', 'Dockerfile']) {
    const p = path.resolve(cwd, context, name);
    if (await isFile(p)) return { path: p, display: context === '.' ? name : path.join(context, name) };
  }
  throw usageError(`no Boxfile or Dockerfile in ${context === '.' ? 'the current folder' : context} (use -f FILE)`);
}

export async function readBoxfile(where: BoxfilePath): Promise<string> {
  try {
    return await readFile(where.path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new TsbuildError('usage', 'BOXFILE_UNREADABLE', `cannot read ${where.display}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : code}`, { cause: e });
  }
}
