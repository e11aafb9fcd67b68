// Tar encoding shared by the writer: ustar headers through node-tar's Header
// encoder, PAX extended headers (records built here, because node-tar's Pax
// class neither carries SCHILY.xattr.* nor binary values).
import path from 'node:path';
import { Header } from 'tar';

export const BLOCK = 512;

export type EntryType = 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';

export interface TarEntryMeta {
  /** archive path, no leading './' or '/'; directories end with '/' */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** whole seconds since the epoch */
  mtime: number;
  linkpath?: string;
  devmajor?: number;
  devminor?: number;
  /** xattr name -> raw value, written as SCHILY.xattr.NAME */
  xattrs?: ReadonlyMap<string, Buffer>;
}

/** One PAX record: "LEN key=value\n", LEN counting itself. */
export function paxRecord(key: string, value: Buffer | string): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`, 'latin1'), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\n')]);
  let len = body.length + String(body.length).length;
  if (String(len).length !== String(body.length).length) len = body.length + String(len).length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

function isPlainAscii(s: string, max: number): boolean {
  // node-tar's encoder flags non-ASCII (and over-long) strings as needing PAX
  return s.length <= max && Buffer.byteLength(s) === s.length;
}

/** Header block(s) for one entry: an optional PAX header + the ustar header. */
export function encodeHeaders(e: TarEntryMeta): Buffer {
  const records: Buffer[] = [];
  const ustar = new Header({
    path: e.path,
    mode: e.mode & 0o7777,
    uid: e.uid <= MAX_OCTAL_8 ? e.uid : 0,
    gid: e.gid <= MAX_OCTAL_8 ? e.gid : 0,
    size: e.size <= MAX_OCTAL_12 ? e.size : 0,
    mtime: new Date(Math.max(0, Math.min(e.mtime, MAX_OCTAL_12)) * 1000),
    type: e.type,
    linkpath: e.linkpath ?? '',
    uname: '',
    gname: '',
    devmaj: e.devmajor ?? 0,
    devmin: e.devminor ?? 0,
  });
  const block = Buffer.alloc(BLOCK);
  const overflow = ustar.encode(block);
  if (overflow) {
    // node-tar could not fit the path (or a string is not ASCII): carry it in PAX
    const split = block.subarray(0, 100).indexOf(0);
    const written = (block[345] ? block.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '') + '/' : '') +
      block.subarray(0, split < 0 ? 100 : split).toString('utf8');
    if (written !== e.path || !isPlainAscii(e.path, 255)) records.push(paxRecord('path', e.path));
    if (e.linkpath !== undefined && !isPlainAscii(e.linkpath, 100)) records.push(paxRecord('linkpath', e.linkpath));
  }
  // numbers too large for octal fields were written as 0 above: PAX has them, in a fixed order
  if (e.uid > MAX_OCTAL_8) records.push(paxRecord('uid', String(e.uid)));
  if (e.gid > MAX_OCTAL_8) records.push(paxRecord('gid', String(e.gid)));
  if (e.size > MAX_OCTAL_12) records.push(paxRecord('size', String(e.size)));
  if (e.mtime > MAX_OCTAL_12 || e.mtime < 0) records.push(paxRecord('mtime', String(e.mtime)));
  if (e.xattrs) {
    for (const name of [...e.xattrs.keys()].sort()) records.push(paxRecord(`SCHILY.xattr.${name}`, e.xattrs.get(name)!));
  }
  if (records.length === 0) return block;
  const body = Buffer.concat(records);
  const paxBlocks = Math.ceil(body.length / BLOCK);
  const out = Buffer.alloc(BLOCK * (2 + paxBlocks));
  new Header({
    path: ('PaxHeaders/' + path.posix.basename(e.path)).slice(0, 99),
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: new Date(Math.max(0, Math.min(e.mtime, MAX_OCTAL_12)) * 1000),
    type: 'ExtendedHeader',
    linkpath: '',
    uname: '',
    gname: '',
    devmaj: 0,
    devmin: 0,
  }).encode(out, 0);
  body.copy(out, BLOCK);
  block.copy(out, BLOCK * (1 + paxBlocks));
  return out;
}

/** Zero bytes after `size` bytes of data up to the next block boundary. */
export function padding(size: number): number {
  const r = size % BLOCK;
  return r === 0 ? 0 : BLOCK - r;
}

/** An in-memory tar (entries as given, in order, plus the end blocks): small fixtures and synthetic layers. */
export function encodeTar(entries: ReadonlyArray<{ meta: TarEntryMeta; data?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const { meta, data } of entries) {
    const body = data ?? Buffer.alloc(0);
    parts.push(encodeHeaders({ ...meta, size: body.length }), body, Buffer.alloc(padding(body.length)));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}
