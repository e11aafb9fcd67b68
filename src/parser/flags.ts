// The flags each instruction accepts (BuildKit's BFlags), and reading them.
import type { AstFlag } from './ast.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import type { Flag } from './instructions.js';
import { didYouMean } from './suggest.js';

export type FlagKind = 'string' | 'bool' | 'list';

export const instructionFlags: Record<string, Record<string, FlagKind>> = {
  from: { platform: 'string' },
  run: { mount: 'list', network: 'string', security: 'string' },
  copy: { from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'list' },
  add: { chown: 'string', chmod: 'string', link: 'bool', 'keep-git-dir': 'bool', checksum: 'string', exclude: 'list' },
  healthcheck: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
};

/** a tiny name → value table (an instruction has a handful of flags: arrays beat Maps) */
export class FlagTable<V> {
  private readonly names: string[] = [];
  private readonly values: V[] = [];

  get(name: string): V | undefined {
    const i = this.names.indexOf(name);
    return i === -1 ? undefined : this.values[i];
  }

  set(name: string, value: V): void {
    const i = this.names.indexOf(name);
    if (i === -1) {
      this.names.push(name);
      this.values.push(value);
    } else this.values[i] = value;
  }
}

export interface ReadFlags {
  all: Flag[];
  strings: FlagTable<Flag>;
  bools: FlagTable<{ value: boolean; flag: Flag }>;
  lists: FlagTable<Flag[]>;
}

const NO_FLAGS: ReadFlags = { all: [], strings: new FlagTable(), bools: new FlagTable(), lists: new FlagTable() };

/** splits `--name=value`, checks each flag against the instruction's set */
export function readFlags(keyword: string, flags: readonly AstFlag[], diagnostics: Diagnostic[]): ReadFlags {
  if (flags.length === 0) return { all: [], strings: NO_FLAGS.strings, bools: NO_FLAGS.bools, lists: NO_FLAGS.lists };
  const spec = instructionFlags[keyword.toLowerCase()] ?? {};
  const out: ReadFlags = { all: [], strings: new FlagTable(), bools: new FlagTable(), lists: new FlagTable() };
  const seen: string[] = [];
  for (const f of flags) {
    const body = f.text.slice(2);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const value = eq === -1 ? undefined : body.slice(eq + 1);
    const flag: Flag = { name, value, range: f.range };
    out.all.push(flag);
    const kind = spec[name];
    if (kind === undefined) {
      const upper = keyword.toUpperCase();
      const known = Object.keys(spec);
      const other = Object.entries(instructionFlags)
        .filter(([k, s]) => k !== keyword.toLowerCase() && s[name] !== undefined)
        .map(([k]) => k.toUpperCase());
      const hint =
        known.length === 0
          ? ` (${upper} takes no flags)`
          : other.length > 0
            ? ` (--${name} belongs to ${other.join(' and ')}; ${upper} takes ${known.map((k) => `--${k}`).join(', ')})`
            : didYouMean(`--${name}`, known.map((k) => `--${k}`)) || ` (${upper} takes ${known.map((k) => `--${k}`).join(', ')})`;
      diagnostics.push(diagnostic('UNKNOWN_FLAG', `unknown flag --${name} for ${upper}${hint}`, f.range));
      continue;
    }
    if (kind !== 'list' && seen.includes(name)) {
      diagnostics.push(diagnostic('DUPLICATE_FLAG', `flag --${name} is given more than once`, f.range));
      continue;
    }
    seen.push(name);
    if (kind === 'bool') {
      if (value !== undefined && value !== 'true' && value !== 'false') {
        diagnostics.push(diagnostic('BAD_FLAG_VALUE', `flag --${name} takes true or false, not '${value}'`, f.range));
        continue;
      }
      out.bools.set(name, { value: value !== 'false', flag });
      continue;
    }
    if (value === undefined) {
      diagnostics.push(diagnostic('MISSING_FLAG_VALUE', `flag --${name} needs a value: --${name}=VALUE`, f.range));
      continue;
    }
    if (kind === 'string') out.strings.set(name, flag);
    else {
      const list = out.lists.get(name);
      if (list) list.push(flag);
      else out.lists.set(name, [flag]);
    }
  }
  return out;
}
