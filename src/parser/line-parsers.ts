// The arguments of each instruction as BuildKit's parser dispatch table
// derives them from the text after the flags (FORMAT.md section 4/5).
export class LineParseError extends Error {
  constructor(
    message: string,
    readonly code: string,
    public range?: import('../errors.js').SourceRange,
  ) {
    super(message);
  }
}

export const NOT_STRING_ARRAY = 'when using JSON array syntax, arrays must be comprised of strings only';

const WS_SPLIT = /[\t\v\f\r ]+/;
import { isGoSpace } from './split-command.js';

export interface ParsedArgs {
  args: string[];
  json: boolean;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const none: ParsedArgs = { args: [], json: false };

function whitespaceSplit(rest: string): ParsedArgs {
  if (rest === '') return none;
  return { args: rest.split(WS_SPLIT), json: false };
}

/** a JSON array of strings, undefined when `rest` is not JSON (fallback), throws on non-strings */
export function parseJsonArray(rest: string): string[] | undefined {
  const t = rest.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/, '');
  if (!t.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (const v of value) {
    if (typeof v !== 'string') throw new LineParseError(NOT_STRING_ARRAY, 'JSON_NOT_STRINGS');
    // Go's decoder replaces unpaired surrogates with U+FFFD
    out.push(v.replace(LONE_SURROGATE, '\ufffd'));
  }
  return out;
}

function maybeJsonToList(rest: string): ParsedArgs {
  const json = parseJsonArray(rest);
  if (json) return { args: json, json: true };
  return whitespaceSplit(rest);
}

function maybeJson(rest: string): ParsedArgs {
  if (rest === '') return none;
  const json = parseJsonArray(rest);
  if (json) return { args: json, json: true };
  return { args: [rest], json: false };
}

function healthConfig(rest: string): ParsedArgs {
  let sep = 0;
  while (sep < rest.length && !isGoSpace(rest.charCodeAt(sep))) sep++;
  let next = sep;
  while (next < rest.length && isGoSpace(rest.charCodeAt(next))) next++;
  if (sep === 0) return none;
  const cmd = maybeJson(rest.slice(next));
  return { args: [rest.slice(0, sep), ...cmd.args], json: cmd.json };
}

/** BuildKit's parseWords: quotes and escapes kept, whitespace outside quotes splits */
export function splitWords(rest: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let blankOk = false;
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  const chars = Array.from(rest);
  for (let pos = 0; pos <= chars.length; pos++) {
    const ch = chars[pos] ?? '';
    const end = pos === chars.length;
    if (phase === 'spaces') {
      if (end) break;
      if (isGoSpace(ch.charCodeAt(0))) continue;
      phase = 'word';
    }
    if (end) {
      if (blankOk || word.length > 0) words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isGoSpace(ch.charCodeAt(0))) {
        phase = 'spaces';
        if (blankOk || word.length > 0) words.push(word);
        word = '';
        blankOk = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
      }
      if (ch === escape) {
        if (pos + 1 === chars.length) continue;
        word += ch;
        pos++;
        word += chars[pos] as string;
        continue;
      }
      word += ch;
      continue;
    }
    // in quotes
    let c = ch;
    if (c === quote) phase = 'word';
    if (c === escape && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      pos++;
      word += c;
      c = chars[pos] as string;
    }
    word += c;
  }
  return words;
}

function nameVal(rest: string, key: string, escape: string): ParsedArgs {
  const words = splitWords(rest, escape);
  if (words.length === 0) return none;
  if (!(words[0] as string).includes('=')) {
    const m = WS_SPLIT.exec(rest);
    if (!m) throw new LineParseError(`${key} must have two arguments`, 'ARITY');
    return { args: [rest.slice(0, m.index), rest.slice(m.index + m[0].length), ''], json: false };
  }
  const args: string[] = [];
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq === -1) throw new LineParseError(`Syntax error - can't find = in ${JSON.stringify(w)}. Must be of the form: name=value`, 'MISSING_EQUALS');
    args.push(w.slice(0, eq), w.slice(eq + 1), '=');
  }
  return { args, json: false };
}

export type ArgumentShape = 'words' | 'list' | 'command' | 'health' | 'env' | 'label' | 'arg' | 'string' | 'onbuild' | 'unknown';

const shapes: Record<string, ArgumentShape> = {
  from: 'words',
  expose: 'words',
  add: 'list',
  copy: 'list',
  volume: 'list',
  run: 'command',
  cmd: 'command',
  entrypoint: 'command',
  shell: 'command',
  healthcheck: 'health',
  env: 'env',
  label: 'label',
  arg: 'arg',
  maintainer: 'string',
  stopsignal: 'string',
  user: 'string',
  workdir: 'string',
  onbuild: 'onbuild',
};

export function argumentShape(keyword: string): ArgumentShape {
  return shapes[keyword.toLowerCase()] ?? 'unknown';
}

/** the dump arguments of a non-ONBUILD instruction */
export function parseArguments(shape: Exclude<ArgumentShape, 'onbuild'>, rest: string, escape: string): ParsedArgs {
  switch (shape) {
    case 'words':
      return whitespaceSplit(rest);
    case 'list':
      return maybeJsonToList(rest);
    case 'command':
      return maybeJson(rest);
    case 'health':
      return healthConfig(rest);
    case 'env':
      return nameVal(rest, 'ENV', escape);
    case 'label':
      return nameVal(rest, 'LABEL', escape);
    case 'arg':
      return { args: splitWords(rest, escape), json: false };
    case 'string':
      return rest === '' ? none : { args: [rest], json: false };
    case 'unknown':
      return { args: [''], json: false };
  }
}
