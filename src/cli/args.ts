// A small, strict argv parser with Docker's conventions: `-f X`, `-fX`,
// `--file X`, `--file=X`, bundled short booleans (`-it`), repeatable flags,
// and `--` to end options. Options stop at the first positional when
// `stopAtPositional` is set (as `run IMAGE CMD…` needs).
import { usageError } from '../errors.js';

export type FlagKind = 'bool' | 'string' | 'list';

export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  description: string;
  /** shown in help as the value's name */
  value?: string;
}

export interface ParsedArgs {
  flags: Map<string, string | boolean | string[]>;
  positionals: string[];
}

export interface ParseOptions {
  stopAtPositional?: boolean;
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], options: ParseOptions = {}): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const flags = new Map<string, string | boolean | string[]>();
  const positionals: string[] = [];

  const set = (spec: FlagSpec, value: string | boolean): void => {
    if (spec.kind === 'list') {
      const list = (flags.get(spec.name) as string[] | undefined) ?? [];
      list.push(String(value));
      flags.set(spec.name, list);
    } else {
      flags.set(spec.name, value);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--') && arg.length > 2) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong.get(name);
      if (!spec) throw usageError(`unknown flag: --${name}`);
      if (spec.kind === 'bool') {
        if (eq === -1) set(spec, true);
        else {
          const v = arg.slice(eq + 1);
          if (v !== 'true' && v !== 'false') throw usageError(`flag --${name} takes true or false, not '${v}'`);
          set(spec, v === 'true');
        }
        continue;
      }
      let value: string;
      if (eq !== -1) value = arg.slice(eq + 1);
      else {
        const next = argv[i + 1];
        if (next === undefined) throw usageError(`flag needs an argument: --${name}`);
        value = next;
        i++;
      }
      set(spec, value);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j] as string;
        const spec = byShort.get(ch);
        if (!spec) throw usageError(`unknown shorthand flag: '${ch}' in ${arg}`);
        if (spec.kind === 'bool') {
          set(spec, true);
          continue;
        }
        let value = arg.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        if (value === '') {
          const next = argv[i + 1];
          if (next === undefined) throw usageError(`flag needs an argument: '${ch}' in -${ch}`);
          value = next;
          i++;
        }
        set(spec, value);
        break;
      }
      continue;
    }
    positionals.push(arg);
    if (options.stopAtPositional) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
  }
  return { flags, positionals };
}

export function flagString(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function flagBool(args: ParsedArgs, name: string): boolean {
  return args.flags.get(name) === true;
}

export function flagList(args: ParsedArgs, name: string): string[] {
  const v = args.flags.get(name);
  return Array.isArray(v) ? v : [];
}

export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.kind === 'bool' ? '' : ` ${s.value ?? 'string'}`}`;
    return [left, s.description + (s.kind === 'list' ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(0, ...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, d]) => `  ${l.padEnd(width)}${d}`).join('\n');
}
