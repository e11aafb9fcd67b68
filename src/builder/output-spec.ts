// -o flag values: type=oci|docker|local|tar,dest=PATH, parsed without loading
// the writers (export.ts loads tar and the archive code only when used).
import path from 'node:path';
import { usageError } from '../errors.js';

export interface OutputSpec {
  type: 'oci' | 'docker' | 'local' | 'tar';
  dest: string;
}

export function parseOutput(value: string, cwd: string): OutputSpec {
  const fields = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) throw usageError(`-o ${value}: want type=TYPE,dest=PATH`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const type = fields.get('type') ?? 'local';
  if (type !== 'oci' && type !== 'docker' && type !== 'local' && type !== 'tar') throw usageError(`-o ${value}: type must be oci, docker, local or tar`);
  const dest = fields.get('dest');
  if (!dest) throw usageError(`-o ${value}: dest=PATH is needed`);
  return { type, dest: path.resolve(cwd, dest) };
}
