// Heredoc words on an instruction line (`<<EOF`, `<<-'EOF'`, `3<<EOF`,
// `<< EOF`), found the way BuildKit does: split the line into shell words
// keeping quotes and escapes, then match each word.
import { isGoSpace } from './split-command.js';

export interface HeredocWord {
  name: string;
  fileDescriptor: number;
  expand: boolean;
  chomp: boolean;
  /** character offsets of the word in the line */
  start: number;
  end: number;
}

export class HeredocSyntaxError extends Error {}

interface LexOptions {
  rawQuotes: boolean;
  rawEscapes: boolean;
}

interface LexWord {
  text: string;
  start: number;
  end: number;
}

const NAME_CHAR = /[\p{L}\p{Nd}_]/u;
const SPECIAL_PARAM = /[@*#?\-$!0]/;

/**
 * Shell word splitting with an empty environment where unset variables are
 * kept as written (BuildKit's ProcessWords with SkipUnsetEnv). Escape `\`.
 */
function shellWords(src: string, opts: LexOptions): LexWord[] {
  const words: LexWord[] = [];
  let word = '';
  let inWord = false;
  let start = 0;
  let i = 0;
  const push = (end: number): void => {
    if (word.length > 0) words.push({ text: word, start, end });
    word = '';
    inWord = false;
  };
  const addChar = (ch: string, at: number): void => {
    if (isGoSpace(ch.charCodeAt(0))) {
      if (inWord) push(at);
    } else addRaw(ch, at);
  };
  const addRaw = (s: string, at: number): void => {
    if (!inWord && word.length === 0) start = at;
    word += s;
    inWord = true;
  };

  const stopOn = (stop: string, rawEscapes: boolean): string => {
    // inside ${…}: returns the text up to `stop`
    let out = '';
    while (i < src.length) {
      const ch = src[i] as string;
      if (ch === stop) {
        i++;
        return out;
      }
      if (ch === '$') out += dollar();
      else if (ch === "'") out += single();
      else if (ch === '"') out += double();
      else {
        i++;
        if (ch === '\\') {
          if (rawEscapes) out += ch;
          if (i >= src.length) break;
          out += src[i] as string;
          i++;
        } else out += ch;
      }
    }
    throw new HeredocSyntaxError(`unexpected end of statement while looking for matching ${stop}`);
  };
  const name = (): string => {
    let n = '';
    while (i < src.length) {
      const ch = src[i] as string;
      if (n === '' && /\p{Nd}/u.test(ch)) {
        while (i < src.length && /\p{Nd}/u.test(src[i] as string)) n += src[i++] as string;
        return n;
      }
      if (n === '' && SPECIAL_PARAM.test(ch)) {
        i++;
        return ch;
      }
      if (!NAME_CHAR.test(ch)) break;
      n += ch;
      i++;
    }
    return n;
  };
  const dollar = (): string => {
    i++;
    if (src[i] !== '{') {
      const n = name();
      return n === '' ? '$' : `$${n}`;
    }
    i++;
    const c = src[i];
    if (c === undefined) throw new HeredocSyntaxError("syntax error: missing '}'");
    if (c === '{' || c === '}' || c === ':') throw new HeredocSyntaxError('syntax error: bad substitution');
    const n = name();
    const op = src[i++];
    if (op === '}') return `\${${n}}`;
    if (op === undefined) throw new HeredocSyntaxError("syntax error: missing '}'");
    let ops = op;
    if (op === ':') ops += src[i++] ?? '';
    if ('+-?#%'.includes(ops[ops.length - 1] as string) && ops.length <= 2) {
      const w = stopOn('}', ops.endsWith('#') || ops.endsWith('%'));
      return `\${${n}${ops}${w}}`;
    }
    if (op === '/') {
      let all = '';
      if (src[i] === '/') {
        all = '/';
        i++;
      }
      const p = stopOn('/', true);
      const r = stopOn('}', true);
      return `\${${n}/${all}${p}/${r}}`;
    }
    throw new HeredocSyntaxError(`unsupported modifier (${ops}) in substitution`);
  };
  const single = (): string => {
    let out = opts.rawQuotes ? "'" : '';
    i++;
    for (;;) {
      const ch = src[i++];
      if (ch === undefined) throw new HeredocSyntaxError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return opts.rawQuotes ? `${out}'` : out;
      out += ch;
    }
  };
  const double = (): string => {
    let out = opts.rawQuotes ? '"' : '';
    i++;
    for (;;) {
      const ch = src[i];
      if (ch === undefined) throw new HeredocSyntaxError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        i++;
        return opts.rawQuotes ? `${out}"` : out;
      }
      if (ch === '$') {
        out += dollar();
        continue;
      }
      i++;
      if (ch === '\\') {
        if (opts.rawEscapes) out += ch;
        const next = src[i];
        if (next === undefined) continue;
        if (next === '"' || next === '$' || next === '\\') {
          out += next;
          i++;
        } else out += ch;
        continue;
      }
      out += ch;
    }
  };

  while (i < src.length) {
    const ch = src[i] as string;
    const at = i;
    if (ch === '$') {
      const v = dollar();
      for (const c of v) addChar(c, at);
    } else if (ch === "'") addRaw(single(), at);
    else if (ch === '"') addRaw(double(), at);
    else if (ch === '<') {
      i++;
      if (src[i] !== '<') addRaw('<', at);
      else {
        i++;
        let s = '<<';
        while (i < src.length && /[ \t\r\n]/.test(src[i] as string)) s += src[i++] as string;
        addRaw(s, at);
      }
    } else {
      i++;
      if (ch === '\\') {
        if (opts.rawEscapes) addRaw(ch, at);
        if (i >= src.length) break;
        addRaw(src[i] as string, at);
        i++;
      } else addChar(ch, at);
    }
  }
  push(src.length);
  return words;
}

const HEREDOC_WORD = /^(\d*)<<(-?)\s*([^<]*)$/;

/** BuildKit's ParseHeredoc on one word: undefined when it is not a heredoc */
export function parseHeredocWord(word: string): Omit<HeredocWord, 'start' | 'end'> | undefined {
  const m = HEREDOC_WORD.exec(word);
  if (!m) return undefined;
  const rest = m[3] as string;
  if (rest === '') return undefined;
  const cooked = shellWords(rest, { rawQuotes: false, rawEscapes: false });
  if (cooked.length !== 1) return undefined;
  const raw = shellWords(rest, { rawQuotes: true, rawEscapes: false });
  const name = (cooked[0] as LexWord).text;
  const quotes = (s: string): number => s.split(/['"]/).length - 1;
  const fd = m[1] === '' ? 0 : Number.parseInt(m[1] as string, 10);
  return {
    name,
    fileDescriptor: Number.isSafeInteger(fd) ? fd : 0,
    chomp: m[2] === '-',
    expand: quotes(name) === quotes((raw[0] as LexWord).text),
  };
}

/** the heredocs of an instruction line, in order */
export function heredocsFromLine(line: string): HeredocWord[] {
  let words: LexWord[];
  try {
    words = shellWords(line, { rawQuotes: true, rawEscapes: true });
  } catch {
    // BuildKit ignores lexing errors of the whole line (the words found so far are lost too)
    return [];
  }
  const out: HeredocWord[] = [];
  for (const w of words) {
    const h = parseHeredocWord(w.text);
    if (h) out.push({ ...h, start: w.start, end: w.end });
  }
  return out;
}

/** `<<-`: removes the leading tabs of every body line */
export function chompHeredoc(content: string): string {
  return content.replace(/^\t+/gm, '');
}
