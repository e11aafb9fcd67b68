// The Chevrotain multi-mode lexers for one logical line, built once per
// escape character.
import { Lexer, type IToken } from 'chevrotain';
import { lexerDefinition } from './tokens.js';

const lexers = new Map<string, Lexer>();

function instance(escape: '\\' | '`'): Lexer {
  let lexer = lexers.get(escape);
  if (!lexer) {
    lexer = new Lexer(lexerDefinition(escape), { positionTracking: 'onlyOffset', ensureOptimizations: false, skipValidations: true });
    lexers.set(escape, lexer);
  }
  return lexer;
}

/** tokens of a trimmed logical line; every character belongs to a token, so there are no lexing errors */
export function lexLine(text: string, escape: '\\' | '`'): IToken[] {
  return instance(escape).tokenize(text).tokens;
}
