// Splits logical lines into keyword, flags and the rest, as BuildKit's
// splitCommand/extractBuilderFlags do, using the Chevrotain lexer and parser.
// Many lines are lexed and parsed in one call (per-call overhead dominates).
import type { CstNode, IToken } from 'chevrotain';
import { lexLine } from './lexer.js';
import { parseInstructionLines } from './parser.js';

/** Go's unicode.IsSpace on a UTF-16 code unit */
export function isGoSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 9 && c <= 13);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Go's unicode.IsSpace */
export const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const LEADING_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
const TRAILING_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/;

/** Go's strings.TrimSpace, returning the number of characters removed at the start */
export function goTrim(text: string): { text: string; start: number } {
  const lead = LEADING_SPACE.exec(text);
  const start = lead ? lead[0].length : 0;
  const trail = TRAILING_SPACE.exec(text);
  const end = trail && trail.index >= start ? trail.index : text.length;
  return start === 0 && end === text.length ? { text, start } : { text: text.slice(start, end), start };
}

export interface SplitFlag {
  /** `--name=value` after quote and escape removal */
  text: string;
  /** character offsets in the logical line */
  start: number;
  end: number;
}

export interface SplitLine {
  keyword: string;
  keywordStart: number;
  flags: SplitFlag[];
  /** the arguments text, trimmed */
  rest: string;
  restStart: number;
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

function decodeFlag(word: string, escape: string): string {
  // quotes group and are removed; the escape character takes the next one literally
  let out = '';
  let quote = '';
  for (let i = 0; i < word.length; i++) {
    const ch = word[i] as string;
    if (quote !== '') {
      if (ch === quote) {
        quote = '';
        continue;
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      continue;
    }
    if (ch === escape) {
      if (i + 1 === word.length) continue;
      i++;
      out += word[i] as string;
      continue;
    }
    out += ch;
  }
  return out;
}

interface Mapping {
  base: number;
  text: string;
  /** the text is the Latin-1 view of UTF-8 bytes */
  bytes: boolean;
}

function toChar(m: Mapping, o: number): number {
  return m.base + (m.bytes ? Buffer.from(m.text.slice(0, o), 'latin1').toString('utf8').length : o);
}

function fromBytes(m: Mapping, s: string): string {
  return m.bytes ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

/** the split of one line from its CST; `lineStart` is the line's offset in the lexed text */
function visit(cst: CstNode, lineStart: number, m: Mapping, escape: string): SplitLine {
  const kw = (cst.children.Keyword as IToken[])[0] as IToken;
  const out: SplitLine = { keyword: fromBytes(m, kw.image), keywordStart: m.base, flags: [], rest: '', restStart: toChar(m, m.text.length) };
  const section = cst;
  const setRest = (image: string, at: number): void => {
    const r = goTrim(fromBytes(m, image));
    out.rest = r.text;
    out.restStart = toChar(m, at) + r.start;
  };
  for (const tok of (section.children.Flag as IToken[] | undefined) ?? []) {
    const decoded = decodeFlag(tok.image, escape);
    const start = tok.startOffset - lineStart;
    const end = start + tok.image.length;
    if (decoded === '--') {
      // `--""` is a `--` too: everything after it is the rest
      setRest(m.text.slice(end), end);
      return out;
    }
    out.flags.push({ text: decoded, start: toChar(m, start), end: toChar(m, end) });
  }
  const rest = (section.children.Rest as IToken[] | undefined)?.[0];
  const eof = (section.children.EndOfFlags as IToken[] | undefined)?.[0];
  if (rest) setRest(rest.image, rest.startOffset - lineStart);
  else if (eof) setRest(eof.image.slice(2), eof.startOffset - lineStart + 2);
  return out;
}

function mapping(line: string): Mapping {
  const trimmed = goTrim(line);
  if (!NON_ASCII.test(trimmed.text)) return { base: trimmed.start, text: trimmed.text, bytes: false };
  // BuildKit scans flags byte by byte: lex non-ASCII lines as Latin-1 bytes
  return { base: trimmed.start, text: Buffer.from(trimmed.text, 'utf8').toString('latin1'), bytes: true };
}

const CHUNK = 256;

/** splits many logical lines with few lexer and parser runs */
export function splitCommands(lines: readonly string[], escape: '\\' | '`' = '\\'): SplitLine[] {
  const maps = lines.map(mapping);
  const out: SplitLine[] = new Array<SplitLine>(lines.length);
  const batch: number[] = [];
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i] as Mapping;
    if (m.text === '') out[i] = { keyword: '', keywordStart: m.base, flags: [], rest: '', restStart: m.base };
    else batch.push(i);
  }
  // chunks keep the tokens and CST short-lived (young-generation garbage)
  for (let from = 0; from < batch.length; from += CHUNK) {
    const chunk = batch.slice(from, from + CHUNK);
    const text = chunk.map((i) => (maps[i] as Mapping).text).join('\n');
    const csts = parseInstructionLines(lexLine(text, escape));
    let lineStart = 0;
    chunk.forEach((i, k) => {
      const m = maps[i] as Mapping;
      out[i] = visit(csts[k] as CstNode, lineStart, m, escape);
      lineStart += m.text.length + 1;
    });
  }
  return out;
}

export function splitCommand(line: string, escape: '\\' | '`' = '\\'): SplitLine {
  return splitCommands([line], escape)[0] as SplitLine;
}
