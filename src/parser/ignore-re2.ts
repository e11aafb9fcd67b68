// moby/patternmatcher turns .dockerignore patterns into Go (RE2) regular
// expressions. This translates the RE2 syntax such a regex can contain into an
// equivalent JavaScript RegExp, so that odd patterns (`[[:alpha:]]`, `\d`,
// `a^b`, `[*]`) behave as they do in BuildKit. Pure; throws Re2SyntaxError.

export class Re2SyntaxError extends Error {}

type Range = [number, number];

const MAX_RUNE = 0x10ffff;

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function rangesToClass(ranges: Range[]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
}

function complement(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

const c = (s: string): number => s.codePointAt(0) as number;
const r = (lo: string, hi = lo): Range => [c(lo), c(hi)];

const PERL: Record<string, Range[]> = {
  d: [r('0', '9')],
  s: [r('\t', '\n'), r('\f', '\r'), r(' ')],
  w: [r('0', '9'), r('A', 'Z'), r('_'), r('a', 'z')],
};

const POSIX: Record<string, Range[]> = {
  alnum: [r('0', '9'), r('A', 'Z'), r('a', 'z')],
  alpha: [r('A', 'Z'), r('a', 'z')],
  ascii: [[0, 0x7f]],
  blank: [r('\t'), r(' ')],
  cntrl: [[0, 0x1f], [0x7f, 0x7f]],
  digit: [r('0', '9')],
  graph: [r('!', '~')],
  lower: [r('a', 'z')],
  print: [r(' ', '~')],
  punct: [r('!', '/'), r(':', '@'), r('[', '`'), r('{', '~')],
  space: [r('\t', '\r'), r(' ')],
  upper: [r('A', 'Z')],
  word: [r('0', '9'), r('A', 'Z'), r('a', 'z'), r('_')],
  xdigit: [r('0', '9'), r('A', 'F'), r('a', 'f')],
};

function unicodeProperty(name: string, negated: boolean): string {
  const p = negated ? 'P' : 'p';
  for (const candidate of [`\\${p}{${name}}`, `\\${p}{Script=${name}}`]) {
    try {
      new RegExp(candidate, 'u');
      return candidate;
    } catch {
      // try the next spelling
    }
  }
  throw new Re2SyntaxError(`invalid character class range: \\p{${name}}`);
}

class Translator {
  private i = 0;
  private readonly s: string[];

  constructor(src: string) {
    this.s = Array.from(src);
  }

  private peek(offset = 0): string | undefined {
    return this.s[this.i + offset];
  }

  translate(): string {
    let out = '';
    while (this.i < this.s.length) {
      const ch = this.s[this.i++] as string;
      switch (ch) {
        case '\\':
          out += this.escapeOutside();
          break;
        case '[':
          out += this.charClass();
          break;
        case '.':
          out += '[^\\n]';
          break;
        case '(':
        case ')':
        case '?':
        case '*':
        case '+':
        case '^':
        case '$':
        case '|':
          out += ch;
          break;
        default:
          out += this.literal(ch);
      }
    }
    return out;
  }

  private literal(ch: string): string {
    return /[\\^$.*+?()[\]{}|/]/.test(ch) ? '\\' + ch : ch;
  }

  /** Returns a code point for a simple escape, or a class/assertion as JS source. */
  private escapeOutside(): string {
    const e = this.peek();
    if (e === 'A') return this.take('^');
    if (e === 'z') return this.take('$');
    if (e === 'b' || e === 'B') return this.take('\\' + e);
    if (e === 'Q') {
      this.i++;
      let lit = '';
      while (this.i < this.s.length) {
        if (this.peek() === '\\' && this.peek(1) === 'E') {
          this.i += 2;
          break;
        }
        lit += this.literal(this.s[this.i++] as string);
      }
      return lit;
    }
    const cls = this.classEscape();
    if (cls !== undefined) return `[${cls}]`;
    return hex(this.charEscape());
  }

  private take(out: string): string {
    this.i++;
    return out;
  }

  /** `\d \s \w` (and upper case) and `\p`/`\P` as the inside of a JS class, else undefined. */
  private classEscape(): string | undefined {
    const e = this.peek();
    if (e === undefined) return undefined;
    const perl = PERL[e.toLowerCase()];
    if (perl && 'dswDSW'.includes(e)) {
      this.i++;
      return rangesToClass(e === e.toLowerCase() ? perl : complement(perl));
    }
    if (e === 'p' || e === 'P') {
      this.i++;
      let name: string;
      if (this.peek() === '{') {
        const end = this.s.indexOf('}', this.i);
        if (end < 0) throw new Re2SyntaxError('invalid character class range');
        name = this.s.slice(this.i + 1, end).join('');
        this.i = end + 1;
      } else {
        const one = this.s[this.i++];
        if (one === undefined) throw new Re2SyntaxError('invalid character class range');
        name = one;
      }
      let negated = e === 'P';
      if (name.startsWith('^')) {
        negated = !negated;
        name = name.slice(1);
      }
      return unicodeProperty(name, negated);
    }
    return undefined;
  }

  /** After a `\`: one character (punctuation, control, octal, hex). */
  private charEscape(): number {
    const e = this.s[this.i++];
    if (e === undefined) throw new Re2SyntaxError('trailing backslash at end of expression');
    const cp = c(e);
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(e)) return cp;
    const controls: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (controls[e] !== undefined) return controls[e];
    if (e >= '0' && e <= '7') {
      // a single non-zero digit would be a backreference, which RE2 refuses
      if (e !== '0' && !(this.peek() !== undefined && /[0-7]/.test(this.peek() as string))) {
        throw new Re2SyntaxError(`invalid escape sequence: \\${e}`);
      }
      let digits = e;
      while (digits.length < 3 && this.peek() !== undefined && /[0-7]/.test(this.peek() as string)) digits += this.s[this.i++];
      return parseInt(digits, 8);
    }
    if (e === 'x') {
      if (this.peek() === '{') {
        const end = this.s.indexOf('}', this.i);
        const digits = end < 0 ? '' : this.s.slice(this.i + 1, end).join('');
        if (!/^[0-9A-Fa-f]+$/.test(digits) || parseInt(digits, 16) > MAX_RUNE) throw new Re2SyntaxError('invalid escape sequence: \\x');
        this.i = end + 1;
        return parseInt(digits, 16);
      }
      const digits = this.s.slice(this.i, this.i + 2).join('');
      if (!/^[0-9A-Fa-f]{2}$/.test(digits)) throw new Re2SyntaxError('invalid escape sequence: \\x');
      this.i += 2;
      return parseInt(digits, 16);
    }
    throw new Re2SyntaxError(`invalid escape sequence: \\${e}`);
  }

  /** A `[...]` class; the `[` is consumed. */
  private charClass(): string {
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.i++;
    }
    let body = '';
    let first = true;
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new Re2SyntaxError('missing closing ]');
      if (ch === ']' && !first) {
        this.i++;
        break;
      }
      first = false;
      if (ch === '[' && this.peek(1) === ':') {
        const rest = this.s.slice(this.i + 2).join('');
        const end = rest.indexOf(':]');
        if (end >= 0) {
          let name = rest.slice(0, end);
          const neg = name.startsWith('^');
          if (neg) name = name.slice(1);
          const ranges = POSIX[name];
          if (!ranges) throw new Re2SyntaxError(`invalid character class range: [:${rest.slice(0, end)}:]`);
          body += rangesToClass(neg ? complement(ranges) : ranges);
          this.i += 2 + Array.from(rest.slice(0, end)).length + 2;
          continue;
        }
      }
      if (ch === '\\') {
        this.i++;
        const cls = this.classEscape();
        if (cls !== undefined) {
          body += cls;
          continue;
        }
        this.i--;
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.i++;
        hi = this.classChar();
        if (hi < lo) throw new Re2SyntaxError('invalid character class range');
      }
      body += lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`;
    }
    return `[${negated ? '^' : ''}${body}]`;
  }

  private classChar(): number {
    const ch = this.s[this.i++];
    if (ch === undefined) throw new Re2SyntaxError('missing closing ]');
    if (ch === '\\') return this.charEscape();
    return c(ch);
  }
}

/** Compiles a Go RE2 regular expression (the subset patternmatcher emits) to a JS RegExp. */
export function compileRe2(src: string): RegExp {
  const js = new Translator(src).translate();
  try {
    return new RegExp(js, 'u');
  } catch (err) {
    throw new Re2SyntaxError(`cannot translate ${src}: ${(err as Error).message}`);
  }
}
