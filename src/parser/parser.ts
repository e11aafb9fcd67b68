// The instruction-line grammar as a Chevrotain CstParser (one instance,
// reused). grammars/boxfile.ebnf uses the same rule names.
import { CstParser, type CstNode, type IToken } from 'chevrotain';
import { allTokens, EndOfFlags, Flag, FlagSpace, Keyword, KeywordSpace, Newline, Rest } from './tokens.js';

class InstructionLineParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: false, skipValidations: true, maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  // instructionLines := instructionLine { Newline instructionLine }
  public instructionLines = this.RULE('instructionLines', () => {
    this.SUBRULE(this.instructionLine);
    this.MANY(() => {
      this.CONSUME(Newline);
      this.SUBRULE2(this.instructionLine);
    });
  });

  // instructionLine := Keyword [ KeywordSpace { FlagSpace | Flag } [ EndOfFlags | Rest ] ]
  public instructionLine = this.RULE('instructionLine', () => {
    this.CONSUME(Keyword);
    this.OPTION(() => {
      this.CONSUME(KeywordSpace);
      this.MANY(() => {
        this.OR([{ ALT: () => this.CONSUME(FlagSpace) }, { ALT: () => this.CONSUME(Flag) }]);
      });
      this.OPTION2(() => {
        this.OR2([{ ALT: () => this.CONSUME(EndOfFlags) }, { ALT: () => this.CONSUME(Rest) }]);
      });
    });
  });
}

let parser: InstructionLineParser | undefined;

/** parses the tokens of LF-separated, non-empty, trimmed lines; the grammar accepts every token sequence the lexer makes */
export function parseInstructionLines(tokens: IToken[]): CstNode[] {
  parser ??= new InstructionLineParser();
  parser.input = tokens;
  const cst = parser.instructionLines();
  if (parser.errors.length > 0) throw new Error(`internal: instruction line grammar failed: ${parser.errors[0]?.message}`);
  return (cst.children.instructionLine as CstNode[] | undefined) ?? [];
}
