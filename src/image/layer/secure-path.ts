// Path safety for extraction: entry names are checked (no absolute paths, no
// '..'), and every parent directory is resolved inside the target root, with
// symlinks followed as if the root were '/', so no write can leave the root.
import { lstat, mkdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';

export function unsafe(code: string, entry: string, why: string): TsbuildError {
  return new TsbuildError('image', code, `refusing layer entry '${entry}': ${why}`);
}

/**
 * The clean components of an archive path ('./a//b/' → ['a','b']).
 * Throws LAYER_ABSOLUTE_PATH or LAYER_DOTDOT_PATH; `what` names the field.
 */
export function entryComponents(entry: string, p: string, what = 'its path'): string[] {
  if (p.startsWith('/')) throw unsafe('LAYER_ABSOLUTE_PATH', entry, `${what} '${p}' is absolute`);
  if (p.includes('\0')) throw unsafe('LAYER_BAD_PATH', entry, `${what} contains a NUL byte`);
  const comps = p.split('/').filter((c) => c !== '' && c !== '.');
  if (comps.includes('..')) throw unsafe('LAYER_DOTDOT_PATH', entry, `${what} '${p}' contains '..'`);
  return comps;
}

const MAX_SYMLINKS = 40;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Resolves the directory `comps` inside `root`: symlinks met on the way are
 * followed with their targets taken relative to `root` (an absolute target
 * restarts at the root, '..' stops at the root). Missing directories are
 * created (mode 0755) when `create` is set; otherwise undefined is returned.
 */
export async function resolveDir(root: string, comps: readonly string[], entry: string, create: boolean): Promise<string | undefined> {
  const resolved: string[] = [];
  const pending = [...comps];
  let links = 0;
  while (pending.length > 0) {
    const c = pending.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      resolved.pop();
      continue;
    }
    const here = path.join(root, ...resolved, c);
    let st;
    try {
      st = await lstat(here);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw unsafe('LAYER_EXTRACT_FAILED', entry, `cannot stat ${here}: ${(err as Error).message}`);
      if (!create) return undefined;
      await mkdir(here, { mode: 0o755 });
      resolved.push(c);
      continue;
    }
    if (st.isDirectory()) {
      resolved.push(c);
    } else if (st.isSymbolicLink()) {
      if (++links > MAX_SYMLINKS) throw unsafe('LAYER_SYMLINK_LOOP', entry, `too many symlinks while resolving its parent directory`);
      const target = await readlink(here);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/'));
    } else {
      throw unsafe('LAYER_NOT_A_DIRECTORY', entry, `${path.join(...comps)} is not a directory (${path.join(...resolved, c)} is a file)`);
    }
  }
  return path.join(root, ...resolved);
}
