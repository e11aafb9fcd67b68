// Tokens of logical instruction lines (continuations already joined,
// comments and heredoc bodies already removed by parse-ast.ts). Lines are
// lexed together, separated by LF. Two lexer modes follow BuildKit's
// splitCommand + extractBuilderFlags:
//   keyword: the instruction word, then the whitespace after it (→ flags)
//   flags:   `--name[=value]` words (quotes group, the escape character
//            escapes), then either `--` + the rest or the rest itself;
//            the LF at the end of the line pops back to keyword
// The arguments (the rest) are parsed per instruction by line-parsers.ts, as
// BuildKit does.
import { createToken, Lexer, type IMultiModeLexerDefinition, type TokenType } from 'chevrotain';

export const Keyword = createToken({ name: 'Keyword', pattern: /[^\t\n\v\f\r ]+/ });
/** the separator of keyword and arguments: BuildKit's reWhitespace */
export const KeywordSpace = createToken({ name: 'KeywordSpace', pattern: /[\t\v\f\r ]+/, push_mode: 'flags' });

/** the end of a logical line */
export const Newline = createToken({ name: 'Newline', pattern: Lexer.NA });
export const NewlineKeyword = createToken({ name: 'NewlineKeyword', pattern: /\n/, categories: [Newline], line_breaks: true });
export const NewlineFlags = createToken({ name: 'NewlineFlags', pattern: /\n/, categories: [Newline], pop_mode: true, line_breaks: true });

// Flag words are scanned byte by byte in BuildKit (unicode.IsSpace on single
// bytes): 0x85 and 0xA0 count as whitespace. Lines with non-ASCII text are
// lexed as a Latin-1 byte string (see split-command.ts), so these are exact.
export const FlagSpace = createToken({ name: 'FlagSpace', pattern: /[\t\v\f\r \x85\xa0]+/ });
/** a bare `--` ends the flags: everything after it is the rest, even `--x` */
export const EndOfFlags = createToken({ name: 'EndOfFlags', pattern: /--(?:[\t\v\f\r \x85\xa0][^\n]*)?(?=\n|$)/ });

/** a flag word; the escape character (`\` or a backtick) takes the next character literally */
export const Flag = createToken({ name: 'Flag', pattern: Lexer.NA });

function flagToken(name: string, esc: string): TokenType {
  const e = esc === '\\' ? '\\\\' : esc;
  const ws = '\\t\\n\\v\\f\\r \\x85\\xa0';
  const escaped = `${e}[^\\n]|${e}(?=\\n|$)`;
  const pattern = new RegExp(`--(?:[^${ws}"'${e}]|${escaped}|"(?:[^"${e}\\n]|${escaped})*"?|'(?:[^'${e}\\n]|${escaped})*'?)*`);
  return createToken({ name, pattern, categories: [Flag] });
}

export const FlagBackslash = flagToken('FlagBackslash', '\\');
export const FlagBacktick = flagToken('FlagBacktick', '`');

/** the first word that is not a flag, and everything after it on the line */
export const Rest = createToken({ name: 'Rest', pattern: /(?!--)[^\t\n\v\f\r \x85\xa0][^\n]*/ });

export const allTokens = [Keyword, KeywordSpace, Newline, NewlineKeyword, NewlineFlags, FlagSpace, EndOfFlags, Flag, FlagBackslash, FlagBacktick, Rest];

/** the lexer modes for one escape character */
export function lexerDefinition(escape: '\\' | '`'): IMultiModeLexerDefinition {
  return {
    modes: {
      keyword: [NewlineKeyword, Keyword, KeywordSpace],
      flags: [NewlineFlags, FlagSpace, EndOfFlags, escape === '`' ? FlagBacktick : FlagBackslash, Rest],
    },
    defaultMode: 'keyword',
  };
}
