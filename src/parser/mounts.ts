// `RUN --mount=type=…,target=…` as BuildKit reads it: CSV fields of
// key=value (or a bare key for booleans). Values stay raw: they are
// expanded when the step is planned.
import type { SourceRange } from '../errors.js';
import type { Mount } from './instructions.js';

export class MountError extends Error {}

export const mountTypes = ['bind', 'cache', 'tmpfs', 'secret', 'ssh'] as const;

/** CSV fields (Go's encoding/csv: `"…"` quotes a field, `""` is a quote) */
export function csvFields(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new MountError(`unterminated quote in '${text}'`);
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i++] as string;
      }
      if (i < text.length && text[i] !== ',') throw new MountError(`extraneous text after a quoted field in '${text}'`);
    } else {
      const comma = text.indexOf(',', i);
      field = text.slice(i, comma === -1 ? text.length : comma);
      i = comma === -1 ? text.length : comma;
    }
    fields.push(field);
    if (i >= text.length) break;
    i++; // the comma
  }
  return fields;
}

const allowed: Record<Mount['type'], readonly string[]> = {
  bind: ['target', 'source', 'from', 'readonly', 'readwrite'],
  cache: ['target', 'source', 'from', 'readonly', 'readwrite', 'id', 'sharing', 'mode', 'uid', 'gid'],
  tmpfs: ['target', 'size'],
  secret: ['target', 'id', 'env', 'required', 'mode', 'uid', 'gid'],
  ssh: ['target', 'id', 'required', 'mode', 'uid', 'gid'],
};

const aliases: Record<string, string> = {
  dst: 'target',
  destination: 'target',
  src: 'source',
  ro: 'readonly',
  rw: 'readwrite',
};

function bool(key: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1' || v === 't') return true;
  if (v === 'false' || v === '0' || v === 'f') return false;
  throw new MountError(`invalid value for ${key}: '${value}' (true or false)`);
}

const hasVariable = (v: string | undefined): boolean => v !== undefined && v.includes('$');

export function parseMount(text: string, range: SourceRange): Mount {
  const fields = new Map<string, string | undefined>();
  let type: Mount['type'] = 'bind';
  for (const raw of csvFields(text)) {
    if (raw === '') continue;
    const eq = raw.indexOf('=');
    const keyIn = (eq === -1 ? raw : raw.slice(0, eq)).trim().toLowerCase();
    const key = aliases[keyIn] ?? keyIn;
    const value = eq === -1 ? undefined : raw.slice(eq + 1);
    if (key === 'type') {
      if (!(mountTypes as readonly string[]).includes(value ?? '')) {
        throw new MountError(`unsupported mount type '${value ?? ''}' (use ${mountTypes.join(', ')})`);
      }
      type = value as Mount['type'];
      continue;
    }
    if (fields.has(key)) throw new MountError(`mount option '${keyIn}' is given twice`);
    fields.set(key, value);
  }
  for (const key of fields.keys()) {
    if (!allowed[type].includes(key)) throw new MountError(`unexpected key '${key}' for a ${type} mount (allowed: type, ${allowed[type].join(', ')})`);
  }
  const str = (k: string): string | undefined => {
    if (!fields.has(k)) return undefined;
    const v = fields.get(k);
    if (v === undefined) throw new MountError(`mount option '${k}' needs a value: ${k}=VALUE`);
    return v;
  };
  const octal = (k: string): string | undefined => {
    const v = str(k);
    if (v !== undefined && !hasVariable(v) && !/^[0-7]+$/.test(v)) throw new MountError(`invalid ${k} '${v}': an octal number such as 0755`);
    return v;
  };
  const id = (k: string): string | undefined => {
    const v = str(k);
    if (v !== undefined && !hasVariable(v) && !/^\d+$/.test(v)) throw new MountError(`invalid ${k} '${v}': a number`);
    return v;
  };
  const target = str('target');
  const readonly = fields.has('readwrite') ? !bool('readwrite', fields.get('readwrite')) : fields.has('readonly') ? bool('readonly', fields.get('readonly')) : undefined;
  switch (type) {
    case 'cache':
    case 'tmpfs':
      if (target === undefined || target === '') throw new MountError(`a ${type} mount needs a target: target=PATH`);
  }
  switch (type) {
    case 'bind':
      // no target: the working directory (BuildKit's default)
      return { range, text, type, target: target ?? '', source: str('source'), from: str('from'), readonly: readonly ?? true };
    case 'cache': {
      const sharing = str('sharing') ?? 'shared';
      if (sharing !== 'shared' && sharing !== 'private' && sharing !== 'locked') {
        throw new MountError(`invalid sharing '${sharing}' (shared, private or locked)`);
      }
      return { range, text, type, target: target as string, id: str('id'), sharing, from: str('from'), source: str('source'), readonly: readonly ?? false, mode: octal('mode'), uid: id('uid'), gid: id('gid') };
    }
    case 'tmpfs': {
      const size = str('size');
      if (size !== undefined && !hasVariable(size) && !/^\d+(?:\.\d+)?\s*(?:[kmgtp]i?b?)?$/i.test(size)) throw new MountError(`invalid size '${size}'`);
      return { range, text, type, target: target as string, size };
    }
    case 'secret': {
      const m = { range, text, type, id: str('id'), target, env: str('env'), required: fields.has('required') ? bool('required', fields.get('required')) : false, mode: octal('mode'), uid: id('uid'), gid: id('gid') };
      if (m.id === undefined && m.target === undefined) throw new MountError('a secret mount needs an id or a target');
      return m;
    }
    case 'ssh':
      return { range, text, type, id: str('id'), target, required: fields.has('required') ? bool('required', fields.get('required')) : false, mode: octal('mode'), uid: id('uid'), gid: id('gid') };
  }
}
