// Safe extraction of a layer tar into a directory.
//
// Refused with a TsbuildError naming the entry: absolute paths, '..'
// components, hardlinks whose target is absolute or has '..'. Contained:
// symlinks met in parent directories are resolved inside the root (as if the
// root were '/'), and an existing file at an entry's path is removed, never
// written through. Duplicate entries: the later one wins, as with docker.
//
// Whiteouts: mode 'apply' (vfs: applying a layer onto the layers below it)
// deletes the named paths and empties opaque directories of everything this
// layer did not write; mode 'overlay' (a read-only overlayfs lower) turns
// `.wh.NAME` into a 0/0 char device and `.wh..wh..opq` into the xattr
// trusted.overlay.opaque=y.
import { createHash } from 'node:crypto';
import { chmod, chown, lchown, lstat, link, lutimes, mkdir, open, readdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import { applyFsOps, type FsOp } from './native.js';
import { entryComponents, resolveDir, unsafe } from './secure-path.js';
import { readTar, toAsyncIterator, type ByteInput, type TarReadEntry } from './tar-reader.js';
import { OPAQUE_MARKER, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX } from './whiteout.js';

export type WhiteoutMode = 'apply' | 'overlay';

export interface ExtractOptions {
  whiteouts: WhiteoutMode;
  /** restore uid/gid (default: when running as root) */
  sameOwner?: boolean;
}

export interface ExtractResult {
  /** sha256 of the tar bytes read */
  diffId: string;
  size: number;
  entries: number;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const FLUSH_AT = 2048;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

class Extraction {
  readonly #ops: FsOp[] = [];
  readonly #pending = new Set<string>();
  readonly #written = new Set<string>();
  /** directories with something this layer wrote somewhere below them */
  readonly #writtenBelow = new Set<string>();
  readonly #dirTimes = new Map<string, number>();
  readonly #owner: boolean;

  constructor(
    readonly root: string,
    readonly opts: ExtractOptions,
  ) {
    this.#owner = opts.sameOwner ?? process.getuid?.() === 0;
  }

  /** runs the batched native operations first if one of them is for `p` (or, with `below`, anything at all) */
  async #touch(p: string, below = false): Promise<void> {
    if (this.#pending.has(p) || (below && this.#pending.size > 0)) await this.flush();
  }

  #wrote(p: string): void {
    this.#written.add(p);
    for (let d = path.dirname(p); d.length > this.root.length && !this.#writtenBelow.has(d); d = path.dirname(d)) this.#writtenBelow.add(d);
  }

  #defer(op: FsOp): void {
    this.#ops.push(op);
    this.#pending.add(op.path);
  }

  async flush(): Promise<void> {
    const ops = this.#ops.splice(0);
    this.#pending.clear();
    await applyFsOps(ops);
  }

  async #own(p: string, e: TarReadEntry, isLink: boolean): Promise<void> {
    if (!this.#owner) return;
    await (isLink ? lchown : chown)(p, e.uid, e.gid);
  }

  #xattrs(p: string, e: TarReadEntry): void {
    for (const [name, value] of [...e.xattrs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.')) continue; // only whiteouts make these
      this.#defer({ op: 'setxattr', path: p, name, value });
    }
  }

  /** removes whatever is at p (without following symlinks) unless it is a directory and `keepDir` */
  async #clear(p: string, keepDir: boolean): Promise<boolean> {
    await this.#touch(p); // a node still to be made at p must exist before it is replaced
    let st;
    try {
      st = await lstat(p);
    } catch (err) {
      if (errno(err) === 'ENOENT') return false;
      throw err;
    }
    if (keepDir && st.isDirectory()) return true;
    await this.#touch(p, st.isDirectory());
    await rm(p, { recursive: true, force: true });
    this.#dirTimes.delete(p);
    return false;
  }

  async entry(e: TarReadEntry): Promise<void> {
    const comps = entryComponents(e.path, e.path);
    const mode = e.mode & 0o7777;
    if (comps.length === 0) {
      // the root itself ('./'): its metadata only
      if (e.type === 'Directory') {
        await this.#own(this.root, e, false);
        await chmod(this.root, mode);
        this.#dirTimes.set(this.root, e.mtime);
      }
      return;
    }
    const name = comps[comps.length - 1]!;
    const parentComps = comps.slice(0, -1);
    // only regular files are whiteout markers (OCI layer.md; umoci does the same): other types are plain content
    if (name.startsWith(WHITEOUT_PREFIX) && FILE_TYPES.has(e.type)) return this.#whiteout(e, parentComps, name);
    const parent = (await resolveDir(this.root, parentComps, e.path, true))!;
    const target = path.join(parent, name);
    const isDir = e.type === 'Directory';
    const existingDir = await this.#clear(target, isDir);
    this.#wrote(target);
    if (isDir) {
      if (!existingDir) await mkdir(target, { mode: 0o700 });
      await this.#own(target, e, false);
      await chmod(target, mode);
      this.#dirTimes.set(target, e.mtime);
    } else if (FILE_TYPES.has(e.type)) {
      const fh = await open(target, 'wx', 0o600);
      try {
        for await (const chunk of e.body) {
          let off = 0;
          while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        }
        if (this.#owner) await fh.chown(e.uid, e.gid);
        await fh.chmod(mode);
        await fh.utimes(e.mtime, e.mtime);
      } finally {
        await fh.close();
      }
    } else if (e.type === 'SymbolicLink') {
      await symlink(e.linkpath, target);
      await this.#own(target, e, true);
      await lutimes(target, e.mtime, e.mtime);
    } else if (e.type === 'Link') {
      const linkComps = entryComponents(e.path, e.linkpath, 'its hardlink target');
      if (linkComps.length === 0) throw unsafe('LAYER_BAD_HARDLINK', e.path, 'its hardlink target is the root');
      const linkParent = await resolveDir(this.root, linkComps.slice(0, -1), e.path, false);
      const source = linkParent && path.join(linkParent, linkComps[linkComps.length - 1]!);
      await this.#touch(source ?? target);
      const st = source ? await lstat(source).catch(() => undefined) : undefined;
      if (!source || !st) throw unsafe('LAYER_BAD_HARDLINK', e.path, `its hardlink target '${e.linkpath}' does not exist in the layer`);
      if (st.isDirectory()) throw unsafe('LAYER_BAD_HARDLINK', e.path, `its hardlink target '${e.linkpath}' is a directory`);
      await link(source, target);
    } else if (e.type === 'CharacterDevice' || e.type === 'BlockDevice' || e.type === 'FIFO') {
      const typeBits = e.type === 'CharacterDevice' ? 0o020000 : e.type === 'BlockDevice' ? 0o060000 : 0o010000;
      this.#defer({ op: 'mknod', path: target, mode: typeBits | mode, major: e.devmajor, minor: e.devminor, uid: this.#owner ? e.uid : -1, gid: this.#owner ? e.gid : -1, mtime: e.mtime });
    } else {
      throw unsafe('LAYER_UNSUPPORTED_ENTRY', e.path, `entries of type ${e.type} are not supported`);
    }
    if (e.type !== 'Link') this.#xattrs(target, e);
    if (this.#ops.length >= FLUSH_AT) await this.flush();
  }

  async #whiteout(e: TarReadEntry, parentComps: string[], name: string): Promise<void> {
    if (name === OPAQUE_MARKER) {
      const dir = await resolveDir(this.root, parentComps, e.path, this.opts.whiteouts === 'overlay');
      if (!dir) return;
      if (this.opts.whiteouts === 'overlay') this.#defer({ op: 'setxattr', path: dir, name: OVERLAY_OPAQUE_XATTR, value: Buffer.from('y') });
      else await this.#clearLower(dir);
      return;
    }
    if (name.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return; // other AUFS metadata (.wh..wh.plnk, …): ignored
    const hidden = name.slice(WHITEOUT_PREFIX.length);
    if (hidden === '' || hidden === '.' || hidden === '..') throw unsafe('LAYER_BAD_WHITEOUT', e.path, `it whites out '${hidden}'`);
    if (this.opts.whiteouts === 'apply') {
      const dir = await resolveDir(this.root, parentComps, e.path, false);
      if (dir) await this.#clear(path.join(dir, hidden), false);
      return;
    }
    const dir = (await resolveDir(this.root, parentComps, e.path, true))!;
    const target = path.join(dir, hidden);
    await this.#clear(target, false);
    this.#wrote(target);
    this.#defer({ op: 'mknod', path: target, mode: 0o020000, major: 0, minor: 0, uid: this.#owner ? e.uid : -1, gid: this.#owner ? e.gid : -1, mtime: e.mtime });
  }

  /** opaque dir in apply mode: delete everything below dir this layer did not write */
  async #clearLower(dir: string): Promise<void> {
    await this.flush();
    for (const child of await readdir(dir)) {
      const p = path.join(dir, child);
      if (this.#writtenBelow.has(p)) await this.#clearLower(p);
      else if (!this.#written.has(p)) {
        await rm(p, { recursive: true, force: true });
        this.#dirTimes.delete(p);
      }
    }
  }

  async finish(): Promise<void> {
    await this.flush();
    // deepest first, after every child was created
    const dirs = [...this.#dirTimes].sort(([a], [b]) => b.length - a.length);
    for (const [dir, t] of dirs) await lutimes(dir, t, t).catch((err: unknown) => {
      if (errno(err) !== 'ENOENT') throw err;
    });
  }
}

function wrap(err: unknown, entry: string | undefined, root: string): TsbuildError {
  if (err instanceof TsbuildError) return err;
  const where = entry === undefined ? '' : ` at entry '${entry}'`;
  return new TsbuildError('image', 'LAYER_EXTRACT_FAILED', `cannot extract layer into ${root}${where}: ${(err as Error).message}`, { cause: err });
}

/** Extracts an uncompressed layer tar stream into `root` (an existing directory). */
export async function extractLayer(input: ByteInput, root: string, opts: ExtractOptions): Promise<ExtractResult> {
  const hash = createHash('sha256');
  let size = 0;
  const it = toAsyncIterator(input);
  const hashed: AsyncIterator<Buffer> = {
    next: async () => {
      const r = await it.next();
      if (r.done) return { done: true, value: undefined };
      const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      hash.update(b);
      size += b.length;
      return { done: false, value: b };
    },
  };
  const x = new Extraction(root, opts);
  let count = 0;
  let current: string | undefined;
  try {
    for await (const e of readTar({ [Symbol.asyncIterator]: () => hashed })) {
      current = e.path;
      await x.entry(e);
      count++;
    }
    current = undefined;
    await x.finish();
    while (!(await hashed.next()).done); // trailing zero blocks count in the diffID
  } catch (err) {
    throw wrap(err, current, root);
  }
  return { diffId: `sha256:${hash.digest('hex')}`, size, entries: count };
}
