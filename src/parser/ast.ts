// The parser-level tree: what BuildKit's parser produces (before any
// validation). dump.ts renders it; to-instructions.ts turns it into typed
// instructions.
import type { SourcePosition, SourceRange } from '../errors.js';
import type { Heredoc } from './instructions.js';

/** a flag as written, quotes and escapes removed; its range is computed when asked for */
export class AstFlag {
  constructor(
    /** `--name=value` */
    readonly text: string,
    readonly start: number,
    readonly end: number,
    readonly lineMap: LineMap,
  ) {}

  get range(): SourceRange {
    return this.lineMap.range(this.start, this.end);
  }
}

export class AstNode {
  /** ONBUILD's nested instruction */
  nested?: AstNode;
  /** the arguments as BuildKit's dispatch table yields them (the dump's strings) */
  args: string[] = [];
  /** the arguments were a JSON array */
  json = false;
  heredocs: Heredoc[] = [];
  /** the instruction's lines, heredoc bodies included */
  range: SourceRange;

  constructor(
    /** as written */
    readonly keyword: string,
    /** where the keyword starts in the logical line */
    readonly keywordOffset: number,
    readonly flags: AstFlag[],
    /** the arguments text after the flags, trimmed, as written */
    readonly rest: string,
    /** where `rest` starts in the logical line */
    readonly restOffset: number,
    /** the logical line (continuations joined) */
    readonly original: string,
    /** character offset of the logical line → source position */
    readonly lineMap: LineMap,
    range?: SourceRange,
  ) {
    this.range = range ?? lineMap.range(0, original.length);
  }

  get keywordRange(): SourceRange {
    return this.lineMap.range(this.keywordOffset, this.keywordOffset + this.keyword.length);
  }

  get restRange(): SourceRange {
    return this.lineMap.range(this.restOffset, this.restOffset + this.rest.length);
  }
}

/** where the pieces of a logical line (continuations joined) were in the file */
export interface Segment {
  /** offset in the logical line */
  logStart: number;
  /** 1-based line and column of logStart, 0-based file offset */
  line: number;
  column: number;
  offset: number;
}

export class LineMap {
  constructor(
    readonly file: string,
    readonly segments: readonly Segment[],
  ) {}

  posAt(o: number): SourcePosition {
    const segs = this.segments;
    let s = segs[0] as Segment;
    for (let k = segs.length - 1; k > 0; k--) {
      const seg = segs[k] as Segment;
      if (seg.logStart <= o) {
        s = seg;
        break;
      }
    }
    const d = o - s.logStart;
    return { line: s.line, column: s.column + d, offset: s.offset + d };
  }

  range(a: number, b: number): SourceRange {
    return { file: this.file, start: this.posAt(a), end: this.posAt(b) };
  }
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
