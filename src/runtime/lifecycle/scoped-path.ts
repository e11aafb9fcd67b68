// Resolving a container path inside the container's root without ever
// leaving it (the `docker cp` CVE-2019-14271 / CVE-2018-15664 class): each
// component is looked up with lstat, symlinks are read and followed by hand
// with the container's root as "/", and ".." stops at that root. The host
// kernel never follows a link of the container's, so an absolute link such
// as `/etc` means the container's /etc, not the host's. Copies never follow
// a symlink either: a link is copied as a link, and a link in the way of a
// copy into the container is replaced, not written through.
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';

const MAX_LINKS = 40;

/**
 * ROOT + container PATH → a host path below ROOT whose every parent is a
 * real directory (no symlink). The last component is followed too unless
 * `keepLast` (then it may itself be a symlink, copied as one).
 */
export function resolveInRoot(root: string, containerPath: string, o: { keepLast?: boolean } = {}): string {
  const todo = containerPath.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift() as string;
    if (c === '..') {
      done.pop(); // never above the root
      continue;
    }
    const host = path.join(root, ...done, c);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      // a missing component: the rest is taken literally (created by the copy)
      done.push(c, ...todo.filter((x) => x !== '..'));
      break;
    }
    if (st.isSymbolicLink() && !(o.keepLast && todo.length === 0)) {
      if (++links > MAX_LINKS) throw new TsbuildError('usage', 'CP_SYMLINK_LOOP', `${containerPath}: too many levels of symbolic links`);
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    done.push(c);
  }
  const out = path.join(root, ...done);
  if (out !== root && !out.startsWith(root.endsWith('/') ? root : `${root}/`)) throw new TsbuildError('internal', 'INTERNAL', `resolved ${containerPath} outside the root`);
  return out;
}

/**
 * Copies SRC (file, dir, symlink) to DST without following any symlink in
 * either tree; an existing non-directory at DST (a symlink included) is
 * replaced. Files are created with O_EXCL after the unlink.
 */
export function copyTree(src: string, dst: string): void {
  const st = lstatSync(src);
  let cur;
  try {
    cur = lstatSync(dst);
  } catch {
    cur = undefined;
  }
  if (st.isDirectory()) {
    if (cur && !cur.isDirectory()) rmSync(dst, { force: true });
    if (!cur || !cur.isDirectory()) mkdirSync(dst, { mode: st.mode & 0o7777 });
    for (const name of readdirSync(src)) copyTree(path.join(src, name), path.join(dst, name));
    chmodSync(dst, st.mode & 0o7777);
    return;
  }
  if (cur) rmSync(dst, { recursive: cur.isDirectory(), force: true });
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
  else if (st.isFile()) {
    copyFileSync(src, dst, fsConstants.COPYFILE_EXCL);
    chmodSync(dst, st.mode & 0o7777);
  }
  // devices, fifos and sockets are skipped, as Docker's archive does for sockets
}
