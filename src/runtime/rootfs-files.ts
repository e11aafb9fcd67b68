// Reads a file of the container's root filesystem *before* it is mounted,
// from the union of its layers (topmost first), resolving symlinks inside the
// root (never on the host) and honouring whiteouts. Used for the image's
// /etc/passwd and /etc/group. Synchronous: a handful of lstat calls on the
// start-up path (see state.ts).
import { closeSync, constants, fstatSync, lstatSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

const MAX_LINKS = 40;

type Found = { kind: 'file'; host: string } | { kind: 'dir' } | { kind: 'link'; target: string } | { kind: 'none' };

async function lookup(layers: readonly string[], rel: string): Promise<Found> {
  for (const layer of layers) {
    const host = path.join(layer, rel);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      // a whiteout of the name (AUFS style) hides lower layers
      try {
        lstatSync(path.join(layer, path.dirname(rel), `.wh.${path.basename(rel)}`));
        return { kind: 'none' };
      } catch {
        continue;
      }
    }
    if (st.isCharacterDevice() && st.rdev === 0) return { kind: 'none' };
    if (st.isSymbolicLink()) return { kind: 'link', target: readlinkSync(host) };
    if (st.isDirectory()) return { kind: 'dir' };
    if (st.isFile()) return { kind: 'file', host };
    return { kind: 'none' };
  }
  return { kind: 'none' };
}

/** the text of an absolute container path, or undefined when missing or not a regular file */
export async function readRootfsFile(layersTopFirst: readonly string[], containerPath: string, maxBytes = 4 << 20): Promise<string | undefined> {
  let todo = containerPath.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    const rel = [...done, part].join('/');
    const found = await lookup(layersTopFirst, rel);
    if (found.kind === 'none') return undefined;
    if (found.kind === 'link') {
      if (++links > MAX_LINKS) return undefined;
      const t = found.target.split('/').filter((p) => p !== '' && p !== '.');
      if (found.target.startsWith('/')) done.length = 0;
      todo = [...t, ...todo];
      continue;
    }
    if (found.kind === 'file') {
      if (todo.length > 0) return undefined;
      // O_NOFOLLOW: a file swapped for a symlink after lstat is not followed to the host
      let fd: number;
      try {
        fd = openSync(found.host, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch {
        return undefined;
      }
      try {
        const st = fstatSync(fd);
        if (!st.isFile() || st.size > maxBytes) return undefined;
        return readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    }
    done.push(part);
  }
  return undefined;
}
