// Tokens of one logical instruction line (continuations already joined,
// comments and heredoc bodies already removed by lines.ts). Three lexer modes
// follow BuildKit's splitCommand + extractBuilderFlags:
//   keyword: the instruction word, then the whitespace after it
//   flags:   `--name[=value]` words (quotes group, `\` escapes), `--` ends them
//   rest:    everything after the flags, verbatim (arguments are parsed per
//            instruction by line-parsers.ts, as BuildKit does)
import { createToken, Lexer, type IMultiModeLexerDefinition, type TokenType } from 'chevrotain';

/** the separator of keyword and arguments: BuildKit's reWhitespace */
export const Keyword = createToken({ name: 'Keyword', pattern: /[^\t\v\f\r ]+/ });
export const KeywordSpace = createToken({ name: 'KeywordSpace', pattern: /[\t\v\f\r ]+/, push_mode: 'flags' });

// Flag words are scanned byte by byte in BuildKit (unicode.IsSpace on single
// bytes): 0x85 and 0xA0 count as whitespace. Lines with non-ASCII text are
// lexed as a Latin-1 byte string (see lexer.ts), so these classes are exact.
export const FlagSpace = createToken({ name: 'FlagSpace', pattern: /[\t\n\v\f\r \x85\xa0]+/, line_breaks: false });
/** a bare `--`: ends the flags, the rest is arguments even if it starts with `--` */
export const EndOfFlags = createToken({ name: 'EndOfFlags', pattern: /--(?=[\t\n\v\f\r \x85\xa0]|$)/, push_mode: 'rest' });
/** a flag word; the escape character (`\\` or a backtick) takes the next character literally */
export const Flag = createToken({ name: 'Flag', pattern: Lexer.NA });

function flagToken(name: string, esc: string): TokenType {
  const e = esc === '\\' ? '\\\\' : esc;
  const ws = '\\t\\n\\v\\f\\r \\x85\\xa0';
  const escaped = `${e}[^]|${e}$`;
  const pattern = new RegExp(`--(?:[^${ws}"'${e}]|${escaped}|"(?:[^"${e}]|${escaped})*"?|'(?:[^'${e}]|${escaped})*'?)*`);
  return createToken({ name, pattern, categories: [Flag], line_breaks: false });
}

export const FlagBackslash = flagToken('FlagBackslash', '\\');
export const FlagBacktick = flagToken('FlagBacktick', '`');

/** the first word that is not a flag, and everything after it */
export const Rest = createToken({ name: 'Rest', pattern: /(?!--)[^\t\n\v\f\r \x85\xa0][^]*/, push_mode: 'rest', line_breaks: false });
/** everything after `--` */
export const RestAll = createToken({ name: 'RestAll', pattern: /[^]+/, line_breaks: false });

export const allTokens = [Keyword, KeywordSpace, FlagSpace, EndOfFlags, Flag, FlagBackslash, FlagBacktick, Rest, RestAll];

/** the lexer modes for one escape character */
export function lexerDefinition(escape: '\\' | '`'): IMultiModeLexerDefinition {
  return {
    modes: {
      keyword: [Keyword, KeywordSpace],
      flags: [FlagSpace, EndOfFlags, escape === '`' ? FlagBacktick : FlagBackslash, Rest],
      rest: [RestAll],
    },
    defaultMode: 'keyword',
  };
}
