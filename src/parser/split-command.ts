// Splits a logical line into keyword, flags and the rest, as BuildKit's
// splitCommand/extractBuilderFlags do, using the Chevrotain lexer and parser.
import type { CstNode, IToken } from 'chevrotain';
import { lexLine } from './lexer.js';
import { parseInstructionLine } from './parser.js';

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
  return { text: text.slice(start, end), start };
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
  // quotes group and are removed; `\` takes the next byte literally
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

function tokensOf(cst: CstNode, name: string): IToken[] {
  return (cst.children[name] as IToken[] | undefined) ?? [];
}

export function splitCommand(line: string, escape: '\\' | '`' = '\\'): SplitLine {
  const trimmed = goTrim(line);
  const base = trimmed.start;
  const ascii = !NON_ASCII.test(trimmed.text);
  // BuildKit scans flags byte by byte: lex non-ASCII lines as Latin-1 bytes
  const text = ascii ? trimmed.text : Buffer.from(trimmed.text, 'utf8').toString('latin1');
  const toChar = ascii ? (o: number) => base + o : (o: number) => base + Buffer.from(text.slice(0, o), 'latin1').toString('utf8').length;
  const fromBytes = ascii ? (s: string) => s : (s: string) => Buffer.from(s, 'latin1').toString('utf8');

  if (text === '') return { keyword: '', keywordStart: base, flags: [], rest: '', restStart: base };
  const cst = parseInstructionLine(lexLine(text, escape));
  const kw = tokensOf(cst, 'Keyword')[0] as IToken;
  const out: SplitLine = { keyword: fromBytes(kw.image), keywordStart: base, flags: [], rest: '', restStart: toChar(text.length) };
  const section = (cst.children.flagSection as CstNode[] | undefined)?.[0];
  if (!section) return out;
  const flagTokens = tokensOf(section, 'Flag');
  for (const tok of flagTokens) {
    const decoded = decodeFlag(tok.image, escape);
    const end = tok.startOffset + tok.image.length;
    if (decoded === '--') {
      // `--""` is a `--` too: everything after it is the rest
      const r = goTrim(fromBytes(text.slice(end)));
      out.rest = r.text;
      out.restStart = toChar(end) + r.start;
      return out;
    }
    out.flags.push({ text: decoded, start: toChar(tok.startOffset), end: toChar(end) });
  }
  const rest = tokensOf(section, 'Rest')[0] ?? tokensOf(section, 'RestAll')[0];
  if (rest) {
    const r = goTrim(fromBytes(rest.image));
    out.rest = r.text;
    out.restStart = toChar(rest.startOffset) + r.start;
  }
  return out;
}
