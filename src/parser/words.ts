// Word expansion as BuildKit's shell lexer (frontend/dockerfile/shell) does
// it: `$v`, `${v}` and its modifiers, quote removal, escapes, and word
// splitting. Pure: text and an environment in, a string (or words) out.
// Behaviour is pinned by ../shared/conformance/shell-lex.

import { TsbuildError } from '../errors.js';

export type ShellEnv = ReadonlyMap<string, string>;

export interface WordOptions {
  /** the Boxfile's escape character (`# escape=`), `\` by default */
  escapeToken?: '\\' | '`';
  /** keep quote characters in the result (BuildKit's RawQuotes) */
  rawQuotes?: boolean;
  /** keep escape characters in the result (BuildKit's RawEscapes) */
  rawEscapes?: boolean;
  /** treat quotes as ordinary characters (BuildKit's SkipProcessQuotes) */
  skipProcessQuotes?: boolean;
  /** leave references to unset variables as written (BuildKit's SkipUnsetEnv) */
  skipUnsetEnv?: boolean;
}

export interface WordExpansion {
  /** the expanded word, whitespace kept as written */
  result: string;
  /** the expanded word split into words (unquoted whitespace separates) */
  words: string[];
  /** variable names that were looked up and found */
  matched: Set<string>;
  /** variable names that were looked up and not set */
  unmatched: Set<string>;
}

/** A failure inside the lexer; wrapped into a TsbuildError at the entry point. */
class LexFailure extends Error {}

const NAME_LETTER = /^\p{L}$/u;
const NAME_DIGIT = /^\p{Nd}$/u;
const WHITE_SPACE = /^\p{White_Space}$/u;
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

function isDigit(ch: string): boolean {
  return (ch >= '0' && ch <= '9') || (ch > '\x7f' && NAME_DIGIT.test(ch));
}

function isLetter(ch: string): boolean {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch > '\x7f' && NAME_LETTER.test(ch));
}

export function isShellSpace(ch: string): boolean {
  if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f') return true;
  return ch > '\x7f' && WHITE_SPACE.test(ch);
}

/** Collects words while characters are appended (BuildKit's wordsStruct). */
class WordCollector {
  word = '';
  words: string[] = [];
  inWord = false;

  addChar(ch: string): void {
    if (isShellSpace(ch)) {
      if (this.inWord && this.word.length !== 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }

  addString(str: string): void {
    for (const ch of str) this.addChar(ch);
  }

  addRawString(str: string): void {
    this.word += str;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class ShellWord {
  private readonly chars: string[];
  private pos = 0;
  private rawEscapes: boolean;
  private readonly escape: string;
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(
    word: string,
    private readonly env: ShellEnv,
    private readonly opts: WordOptions,
  ) {
    this.chars = Array.from(word);
    this.escape = opts.escapeToken ?? '\\';
    this.rawEscapes = opts.rawEscapes ?? false;
  }

  private peek(): string | undefined {
    return this.chars[this.pos];
  }

  private next(): string | undefined {
    const ch = this.chars[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  run(): { result: string; words: string[] } {
    return this.processStopOn(undefined, this.rawEscapes);
  }

  /** Processes up to `stop` (consumed) or the end of the input. */
  private processStopOn(stop: string | undefined, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = '';
      const words = new WordCollector();
      const quotes = !this.opts.skipProcessQuotes;
      for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
        if (stop !== undefined && ch === stop) {
          this.next();
          return { result, words: words.finish() };
        }
        if (ch === '$') {
          const tmp = this.processDollar();
          result += tmp;
          words.addString(tmp);
        } else if (quotes && (ch === "'" || ch === '"')) {
          const tmp = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
          result += tmp;
          words.addRawString(tmp);
        } else {
          this.next();
          if (ch === this.escape) {
            if (this.rawEscapes) {
              words.addRawChar(ch);
              result += ch;
            }
            const escaped = this.next();
            if (escaped === undefined) break; // an escape at the very end is dropped
            words.addRawChar(escaped);
            result += escaped;
          } else if (ch === '<' && this.peek() === '<') {
            // `<<` keeps the whitespace after it in the same word (`<<  EOF`): heredoc detection relies on it
            let op = ch + (this.next() as string);
            for (let sp = this.peek(); sp !== undefined && isShellSpace(sp); sp = this.peek()) op += this.next() as string;
            words.addRawString(op);
            result += op;
          } else {
            words.addChar(ch);
            result += ch;
          }
        }
      }
      if (stop !== undefined) {
        throw new LexFailure(`unexpected end of statement while looking for matching ${stop}`);
      }
      return { result, words: words.finish() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    // Everything up to the next ' is literal; there is no way to escape '.
    let result = '';
    const open = this.next() as string;
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexFailure('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  private processDoubleQuote(): string {
    // Literal except `$` and the escape character, which escapes only `"`, `$` and itself.
    let result = '';
    const open = this.next() as string;
    if (this.opts.rawQuotes) result += open;
    for (;;) {
      const peek = this.peek();
      if (peek === undefined) throw new LexFailure('unexpected end of statement while looking for matching double-quote');
      if (peek === '"') {
        this.next();
        if (this.opts.rawQuotes) result += peek;
        return result;
      }
      if (peek === '$') {
        result += this.processDollar();
        continue;
      }
      let ch = this.next() as string;
      if (ch === this.escape) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === undefined) continue; // unterminated quote: reported on the next turn
        if (after === '"' || after === '$' || after === this.escape) ch = this.next() as string;
      }
      result += ch;
    }
  }

  private lookup(name: string): { value: string; set: boolean } {
    const value = this.env.get(name);
    if (value === undefined) {
      this.unmatched.add(name);
      return { value: '', set: false };
    }
    this.matched.add(name);
    return { value, set: true };
  }

  private processDollar(): string {
    this.next(); // the $
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const { value, set } = this.lookup(name);
      if (!set && this.opts.skipUnsetEnv) return '$' + name;
      return value;
    }
    this.next(); // the {
    const first = this.peek();
    if (first === undefined) throw new LexFailure("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexFailure('syntax error: bad substitution');

    const name = this.processName();
    let ch = this.next();
    if (ch === undefined) throw new LexFailure("syntax error: missing '}'");
    let modifier = ch;
    let nullIsUnset = false;

    if (ch === '}') {
      const { value, set } = this.lookup(name);
      if (!set && this.opts.skipUnsetEnv) return '${' + name + '}';
      return value;
    }
    if (ch === '/') return this.processReplace(name);
    if (ch === ':') {
      nullIsUnset = true;
      ch = this.next();
      modifier += ch ?? '\uFFFD';
    } else if (!'+-?#%'.includes(ch)) {
      throw new LexFailure(`unsupported modifier (${modifier}) in substitution`);
    }
    if (nullIsUnset && (ch === '#' || ch === '%')) {
      throw new LexFailure(`unsupported modifier (${modifier}) in substitution`);
    }

    let word: string;
    try {
      word = this.processStopOn('}', ch === '#' || ch === '%').result;
    } catch (err) {
      if (this.peek() === undefined) throw new LexFailure("syntax error: missing '}'");
      throw err;
    }
    const { value, set } = this.lookup(name);
    if (!set && this.opts.skipUnsetEnv) return '${' + name + modifier + word + '}';

    const unset = !set || (nullIsUnset && value === '');
    switch (ch) {
      case '-':
        return unset ? word : value;
      case '+':
        return unset ? '' : word;
      case '?':
        if (!set) throw new LexFailure(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`);
        if (nullIsUnset && value === '') throw new LexFailure(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`);
        return value;
      case '#':
      case '%': {
        // #/% remove the shortest match, ##/%% the longest
        const greedy = word.startsWith(ch);
        const pattern = greedy ? word.slice(1) : word;
        return ch === '%' ? trimSuffix(pattern, value, greedy) : trimPrefix(pattern, value, greedy);
      }
      default:
        throw new LexFailure(`unsupported modifier (${modifier}) in substitution`);
    }
  }

  /** `${name/pattern/replacement}` and `${name//pattern/replacement}`; the first `/` is consumed. */
  private processReplace(name: string): string {
    const replaceAll = this.peek() === '/';
    if (replaceAll) this.next();
    let pattern: string;
    try {
      pattern = this.processStopOn('/', true).result;
    } catch (err) {
      if (this.peek() === undefined) throw new LexFailure("syntax error: missing '/' in ${}");
      throw err;
    }
    let replacement: string;
    try {
      replacement = this.processStopOn('}', true).result;
    } catch (err) {
      if (this.peek() === undefined) throw new LexFailure("syntax error: missing '}'");
      throw err;
    }
    const { value, set } = this.lookup(name);
    if (!set && this.opts.skipUnsetEnv) return '${' + name + '/' + pattern + '/' + replacement + '}';
    const re = compilePattern(pattern, true, false);
    if (replaceAll) return replaceAllLikeGo(re, value, replacement);
    const m = re.exec(value);
    if (m === null) return value;
    return value.slice(0, m.index) + replacement + value.slice(m.index + m[0].length);
  }

  /** A name: letters, digits and `_`; a run of digits; or one special parameter. */
  private processName(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && isDigit(ch)) {
        while (this.peek() !== undefined && isDigit(this.peek() as string)) name += this.next();
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) {
        this.next();
        return ch;
      }
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }
}

// ---- glob patterns of ${v#p}, ${v%p}, ${v/p/r} -------------------------------

const REGEX_SYNTAX = new Set(['\\', '^', '$', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

/**
 * Turns a shell pattern (`*`, `?`, `\` escapes, no `[...]`) into a regular
 * expression. `\}` and `\/` stand for `}` and `/`; any other escape than
 * `\*`, `\?`, `\\` is invalid.
 */
function compilePattern(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i] as string;
    if (ch === '*') {
      out += greedy ? '[^\\n]*' : '[^\\n]*?';
      continue;
    }
    if (ch === '?') {
      out += '[^\\n]';
      continue;
    }
    if (ch === '\\') {
      const after = chars[i + 1];
      if (after === '}' || after === '/') continue;
      if (after !== '*' && after !== '?' && after !== '\\') {
        throw new LexFailure(`invalid pattern (${pattern}) in substitution: invalid escape '\\${after ?? ''}'`);
      }
      ch = after;
      i++;
    }
    out += REGEX_SYNTAX.has(ch) ? '\\' + ch : ch;
  }
  return new RegExp(out, anchored ? 'u' : 'gu');
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = compilePattern(pattern, greedy, true).exec(value);
  return m === null ? value : value.slice(m[0].length);
}

/** Reverses a pattern but keeps each escape in front of the character it escapes. */
export function reversePattern(pattern: string): string {
  const runes = Array.from(pattern);
  const out: string[] = new Array<string>(runes.length);
  const last = runes.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = runes[i] as string;
    const at = last - i;
    if (tok === '\\' && i !== last) {
      out[at - 1] = tok;
      out[at] = runes[i + 1] as string;
      i += 2;
    } else {
      out[at] = tok;
      i++;
    }
  }
  return out.join('');
}

export function reverseString(str: string): string {
  return Array.from(str).reverse().join('');
}

function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  // The shortest rightmost match is found as the leftmost match of the reversed pattern.
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

/** Go's Regexp.ReplaceAllString: empty matches right after a match are skipped, `$0`/`$$` expand. */
function replaceAllLikeGo(re: RegExp, src: string, template: string): string {
  let out = '';
  let lastEnd = 0;
  let search = 0;
  while (search <= src.length) {
    re.lastIndex = search;
    const m = re.exec(src);
    if (m === null) break;
    const start = m.index;
    const end = start + m[0].length;
    out += src.slice(lastEnd, start);
    if (end > lastEnd || start === 0) out += expandGoTemplate(template, m[0]);
    lastEnd = end;
    const width = search < src.length ? (src.codePointAt(search) as number) > 0xffff ? 2 : 1 : 0;
    if (search + width > end) search += width;
    else if (search + 1 > end) search++;
    else search = end;
  }
  return out + src.slice(lastEnd);
}

/** Go's Regexp.Expand with one group (the whole match): `$0`, `${0}`, `$$`; other names are empty. */
function expandGoTemplate(template: string, match: string): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const braced = template[i] === '{';
    let j = braced ? i + 1 : i;
    let name = '';
    for (const ch of template.slice(j)) {
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += ch;
    }
    j += name.length;
    if (name === '' || (braced && template[j] !== '}')) {
      out += '$'; // malformed: the $ is literal
      continue;
    }
    if (braced) j++;
    i = j;
    if (/^[0-9]+$/.test(name) && Number(name) === 0) out += match;
  }
  return out + template.slice(i);
}

// ---- entry points --------------------------------------------------------------

/** Expands `word` and reports which variables it used. Throws TsbuildError WORD_EXPANSION. */
export function expandWord(word: string, env: ShellEnv, opts: WordOptions = {}): WordExpansion {
  const sw = new ShellWord(word, env, opts);
  try {
    const { result, words } = sw.run();
    return { result, words, matched: sw.matched, unmatched: sw.unmatched };
  } catch (err) {
    if (err instanceof LexFailure) {
      throw new TsbuildError('boxfile', 'WORD_EXPANSION', `failed to process ${JSON.stringify(word)}: ${err.message}`);
    }
    throw err;
  }
}

/** Expands variables and removes quotes and escapes; whitespace is kept. */
export function processWord(word: string, env: ShellEnv, opts: WordOptions = {}): string {
  return expandWord(word, env, opts).result;
}

/** Like processWord, then splits into words at unquoted whitespace. */
export function processWords(word: string, env: ShellEnv, opts: WordOptions = {}): string[] {
  return expandWord(word, env, opts).words;
}

/** Builds an environment from `NAME=VALUE` entries (split at the first `=`; the last entry wins). */
export function envFromList(list: readonly string[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of list) {
    const eq = entry.indexOf('=');
    if (eq < 0) env.set(entry, '');
    else env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}
