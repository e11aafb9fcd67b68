// --cache-to / --cache-from values, parsed (pure): `type=registry,ref=REF
// [,mode=min|max]`, `type=local,dest=DIR[,mode=…]` (export) and
// `type=local,src=DIR` (import). A bare value is a registry reference, as
// `docker build --cache-from REF` takes it.
import path from 'node:path';
import { usageError } from '../../errors.js';

export type CacheMode = 'min' | 'max';

export type CacheSpec =
  | { type: 'registry'; ref: string; mode: CacheMode }
  | { type: 'local'; dir: string; mode: CacheMode };

export function parseCacheSpec(value: string, flag: 'cache-to' | 'cache-from', cwd: string): CacheSpec {
  const bad = (why: string) => usageError(`--${flag} ${value}: ${why}`);
  if (!value.includes('=')) {
    if (value === '') throw bad('give type=registry,ref=REF or type=local,…');
    return { type: 'registry', ref: value, mode: 'min' };
  }
  const fields = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(`'${part}' is not KEY=VALUE`);
    const k = part.slice(0, eq);
    if (fields.has(k)) throw bad(`${k} is given twice`);
    fields.set(k, part.slice(eq + 1));
  }
  const type = fields.get('type') ?? 'registry';
  if (type !== 'registry' && type !== 'local') throw bad(`type must be registry or local, not '${type}'`);
  const mode = fields.get('mode') ?? 'min';
  if (mode !== 'min' && mode !== 'max') throw bad(`mode must be min or max, not '${mode}'`);
  if (fields.has('mode') && flag === 'cache-from') throw bad('mode= is for --cache-to');
  const known = new Set(['type', 'mode', type === 'registry' ? 'ref' : flag === 'cache-to' ? 'dest' : 'src']);
  for (const k of fields.keys()) if (!known.has(k)) throw bad(`unknown field '${k}' for type=${type}`);
  if (type === 'registry') {
    const ref = fields.get('ref');
    if (!ref) throw bad('type=registry needs ref=REF');
    return { type, ref, mode };
  }
  const want = flag === 'cache-to' ? 'dest' : 'src';
  const dir = fields.get(want);
  if (!dir) throw bad(`type=local needs ${want}=DIR`);
  return { type, dir: path.resolve(cwd, dir), mode };
}
