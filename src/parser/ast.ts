// The parser-level tree: what BuildKit's parser produces (before any
// validation). dump.ts renders it; to-instructions.ts turns it into typed
// instructions.
import type { SourceRange } from '../errors.js';
import type { Heredoc } from './instructions.js';

export interface AstFlag {
  /** `--name=value`, quotes and escapes removed */
  text: string;
  range: SourceRange;
}

export interface AstNode {
  /** as written */
  keyword: string;
  keywordRange: SourceRange;
  flags: AstFlag[];
  /** the arguments as BuildKit's dispatch table yields them (the dump's strings) */
  args: string[];
  /** ONBUILD's nested instruction */
  nested?: AstNode;
  /** the arguments were a JSON array */
  json: boolean;
  /** the arguments text after the flags, trimmed, as written */
  rest: string;
  restRange: SourceRange;
  /** where `rest` starts in the logical line (for posAt) */
  restOffset: number;
  /** the logical line (continuations joined) */
  original: string;
  heredocs: Heredoc[];
  /** the instruction's lines, heredoc bodies included */
  range: SourceRange;
  /** character offset of the logical line → source position */
  posAt: (logicalOffset: number) => SourceRange['start'];
}

export interface Directives {
  syntax?: string;
  escape?: string;
  check?: string;
}

export interface ParseWarning {
  message: string;
  range: SourceRange;
}
