// The one place the layer code runs native/build/layerfs (see native/layerfs.c):
// extended attributes and mknod, which Node has no API for, batched so that
// a layer costs one process, not one per file.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { TsbuildError } from '../../errors.js';

/** name -> raw value */
export type Xattrs = Map<string, Buffer>;

let helperPath: string | undefined;

/** native/build/layerfs, found from this module (src/… under tsx, dist/… when bundled) or TSBUILD_NATIVE_DIR. */
export function layerfsPath(): string {
  if (helperPath) return helperPath;
  const candidates: string[] = [];
  if (process.env.TSBUILD_NATIVE_DIR) candidates.push(path.join(process.env.TSBUILD_NATIVE_DIR, 'layerfs'));
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    candidates.push(path.join(dir, 'native', 'build', 'layerfs'));
    dir = path.dirname(dir);
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new TsbuildError('internal', 'NATIVE_HELPER_MISSING', `the native helper layerfs was not found (looked in ${candidates.join(', ')})`, {
      details: ['build it with: node scripts/build-native.mjs'],
    });
  }
  helperPath = found;
  return found;
}

async function runHelper(argv: string[], input: Buffer): Promise<string> {
  const tool = layerfsPath();
  const result = await execa(tool, argv, { input, reject: false, encoding: 'utf8', stripFinalNewline: false, maxBuffer: 1 << 30 });
  if (result.exitCode !== 0) {
    const tail = String(result.stderr).trim().split('\n').slice(-5);
    throw new TsbuildError('image', 'LAYERFS_FAILED', `${tool} ${argv.join(' ')} failed (exit ${result.exitCode ?? result.signal}): ${tail.at(-1) ?? ''}`, {
      details: tail,
    });
  }
  return String(result.stdout);
}

/** Reads the xattrs of many paths (not following symlinks) with one helper process. */
export async function readXattrs(paths: readonly string[]): Promise<Map<number, Xattrs>> {
  if (paths.length === 0) return new Map();
  const input = Buffer.concat(paths.map((p) => Buffer.from(p + '\0')));
  return parseXattrLines(await runHelper(['getxattrs'], input));
}

/**
 * Starts reading the xattrs of every entry below `root` (the helper walks the
 * tree itself, concurrently with the caller's walk); resolves to a map from
 * the '/'-separated relative path to its xattrs, for entries that have any.
 */
export function treeXattrs(root: string): Promise<Map<string, Xattrs>> {
  const tool = layerfsPath();
  const argv = ['xattrs-tree', root];
  const child = execa(tool, argv, { stdin: 'ignore', reject: false, encoding: 'utf8', stripFinalNewline: false, maxBuffer: 1 << 30 });
  return child.then((result) => {
    if (result.exitCode !== 0) {
      const tail = String(result.stderr).trim().split('\n').slice(-5);
      throw new TsbuildError('image', 'LAYERFS_FAILED', `${tool} ${argv.join(' ')} failed (exit ${result.exitCode ?? result.signal}): ${tail.at(-1) ?? ''}`, { details: tail });
    }
    const out = new Map<string, Xattrs>();
    for (const line of String(result.stdout).split('\n')) {
      if (line === '') continue;
      const [rel, name, value] = line.split(' ');
      const key = Buffer.from(rel ?? '', 'hex').toString();
      let attrs = out.get(key);
      if (!attrs) out.set(key, (attrs = new Map()));
      attrs.set(Buffer.from(name ?? '', 'hex').toString('latin1'), Buffer.from(value ?? '', 'hex'));
    }
    return out;
  });
}

function parseXattrLines(text: string): Map<number, Xattrs> {
  const out = new Map<number, Xattrs>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [index, name, value] = line.split(' ');
    const i = Number(index);
    let attrs = out.get(i);
    if (!attrs) out.set(i, (attrs = new Map()));
    attrs.set(Buffer.from(name ?? '', 'hex').toString('latin1'), Buffer.from(value ?? '', 'hex'));
  }
  return out;
}

export type FsOp =
  | { op: 'mknod'; path: string; mode: number; major: number; minor: number; uid: number; gid: number; mtime: number }
  | { op: 'setxattr'; path: string; name: string; value: Buffer };

const hex = (s: string) => Buffer.from(s).toString('hex');

/** Applies mknod/setxattr operations in order with one helper process. */
export async function applyFsOps(ops: readonly FsOp[]): Promise<void> {
  if (ops.length === 0) return;
  const lines = ops.map((o) =>
    o.op === 'mknod'
      ? `N ${hex(o.path)} ${o.mode.toString(8)} ${o.major} ${o.minor} ${o.uid} ${o.gid} ${o.mtime}\n`
      : `X ${hex(o.path)} ${Buffer.from(o.name, 'latin1').toString('hex')} ${o.value.toString('hex')}\n`,
  );
  await runHelper(['apply'], Buffer.from(lines.join('')));
}
