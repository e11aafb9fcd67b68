// The instruction-line grammar as a Chevrotain CstParser (one instance,
// reused). grammars/boxfile.ebnf uses the same rule names.
import { CstParser, type CstNode, type IToken } from 'chevrotain';
import { allTokens, EndOfFlags, Flag, FlagSpace, Keyword, KeywordSpace, Rest, RestAll } from './tokens.js';

class InstructionLineParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: false, skipValidations: true });
    this.performSelfAnalysis();
  }

  // instructionLine := Keyword [ KeywordSpace flagSection ]
  public instructionLine = this.RULE('instructionLine', () => {
    this.CONSUME(Keyword);
    this.OPTION(() => {
      this.CONSUME(KeywordSpace);
      this.SUBRULE(this.flagSection);
    });
  });

  // flagSection := { FlagSpace | Flag } [ EndOfFlags [ RestAll ] | Rest ]
  public flagSection = this.RULE('flagSection', () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(FlagSpace) }, { ALT: () => this.CONSUME(Flag) }]);
    });
    this.OPTION(() => {
      this.OR2([
        {
          ALT: () => {
            this.CONSUME(EndOfFlags);
            this.OPTION2(() => this.CONSUME(RestAll));
          },
        },
        { ALT: () => this.CONSUME(Rest) },
      ]);
    });
  });
}

let parser: InstructionLineParser | undefined;

/** parses the tokens of one line; the grammar accepts every token sequence the lexer makes */
export function parseInstructionLine(tokens: IToken[]): CstNode {
  parser ??= new InstructionLineParser();
  parser.input = tokens;
  const cst = parser.instructionLine();
  if (parser.errors.length > 0) throw new Error(`internal: instruction line grammar failed: ${parser.errors[0]?.message}`);
  return cst;
}
