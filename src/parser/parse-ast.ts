// BuildKit's line-oriented parser: physical lines, parser directives,
// comments, line continuations and heredoc bodies; each logical line is then
// split by the Chevrotain grammar (split-command.ts) and its arguments parsed
// per instruction (line-parsers.ts). No validation happens here.
import type { SourcePosition, SourceRange } from '../errors.js';
import { AstFlag, AstNode, LineMap, type Directives, type ParseWarning, type Segment } from './ast.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { DirectiveError, DirectiveScanner } from './directives.js';
import { heredocsFromLine, HeredocSyntaxError } from './heredocs.js';
import type { Heredoc } from './instructions.js';
import { argumentShape, LineParseError, parseArguments } from './line-parsers.js';
import { splitCommand, splitCommands, type SplitLine } from './split-command.js';

export interface AstResult {
  nodes: AstNode[];
  directives: Directives;
  escape: '\\' | '`';
  warnings: ParseWarning[];
  /** BuildKit stops at the first of these */
  errors: Diagnostic[];
}

export const MAX_LINE_BYTES = 65535;

interface PhysicalLine {
  /** without trailing CR/LF */
  text: string;
  /** with its line ending */
  raw: string;
  /** 0-based offset of the line in the file */
  offset: number;
}

/** line boundaries in typed arrays; a PhysicalLine is made (short-lived) when asked for */
class PhysicalLines {
  readonly length: number;
  private readonly starts: Int32Array;
  private readonly textEnds: Int32Array;
  private readonly rawEnds: Int32Array;

  constructor(private readonly source: string) {
    let count = 0;
    for (let at = source.indexOf('\n'); at !== -1; at = source.indexOf('\n', at + 1)) count++;
    if (source.length > 0 && !source.endsWith('\n')) count++;
    this.length = count;
    this.starts = new Int32Array(count);
    this.textEnds = new Int32Array(count);
    this.rawEnds = new Int32Array(count);
    let start = source.charCodeAt(0) === 0xfeff ? 1 : 0;
    for (let k = 0; k < count; k++) {
      const nl = source.indexOf('\n', start);
      const end = nl === -1 ? source.length : nl + 1;
      let t = end;
      while (t > start && (source.charCodeAt(t - 1) === 10 || source.charCodeAt(t - 1) === 13)) t--;
      this.starts[k] = start;
      this.textEnds[k] = t;
      this.rawEnds[k] = end;
      start = end;
    }
  }

  at(k: number): PhysicalLine {
    const start = this.starts[k] as number;
    return { text: this.source.slice(start, this.textEnds[k]), raw: this.source.slice(start, this.rawEnds[k]), offset: start };
  }

  offset(k: number): number {
    return k < this.length ? (this.starts[k] as number) : this.source.length;
  }

  textLength(k: number): number {
    return k < this.length ? (this.textEnds[k] as number) - (this.starts[k] as number) : 0;
  }
}

const LEADING_WS = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function trimLeft(s: string): string {
  const m = LEADING_WS.exec(s);
  return m ? s.slice(m[0].length) : s;
}

function isComment(s: string): boolean {
  return trimLeft(s).startsWith('#');
}

function byteLength(s: string): number {
  return s.length * 3 < 65536 ? s.length : Buffer.byteLength(s, 'utf8');
}

/**
 * Parses the whole file. With `onNode`, each node is handed over in source
 * order as soon as it is complete (and not kept in `nodes`), so that callers
 * can convert it while it is still young garbage.
 */
export function parseAst(source: string, file: string, onNode?: (node: AstNode) => void): AstResult {
  const lines = new PhysicalLines(source);
  const scanner = new DirectiveScanner();
  const nodes: AstNode[] = [];
  let count = 0;
  const emit = (node: AstNode): void => {
    count++;
    if (onNode) onNode(node);
    else nodes.push(node);
  };
  const warnings: ParseWarning[] = [];
  const errors: Diagnostic[] = [];
  const pos = (lineIdx: number, column: number): SourcePosition => {
    return { line: lineIdx + 1, column: column + 1, offset: lines.offset(lineIdx) + column };
  };
  const lineRange = (from: number, to: number): SourceRange => ({
    file,
    start: pos(from, 0),
    end: pos(to, lines.textLength(to)),
  });
  const fail = (message: string, from: number, to: number, code = 'PARSE'): AstResult => {
    errors.push(diagnostic(code, message, lineRange(Math.min(from, lines.length - 1), Math.min(to, lines.length - 1))));
    return finish();
  };
  const result = (): AstResult => ({
    nodes,
    directives: Object.fromEntries(scanner.seen) as Directives,
    escape: scanner.escape as '\\' | '`',
    warnings,
    errors,
  });

  const continuation = (text: string): { text: string; more: boolean } => {
    const esc = scanner.escape;
    let end = text.length;
    while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
    if (end === 0 || text[end - 1] !== esc) return { text, more: false };
    if (end >= 2 && text[end - 2] === esc) return { text, more: false };
    return { text: text.slice(0, end - 1), more: true };
  };

  interface Pending {
    line: string;
    escape: '\\' | '`';
    map: LineMap;
    startIdx: number;
    endIdx: number;
  }
  const pending: Pending[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines.at(i);
    if (byteLength(first.text) > MAX_LINE_BYTES) {
      fail(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`, i, i, 'LINE_TOO_LONG');
      i++;
      continue;
    }
    const startIdx = i;
    const left = trimLeft(first.text);
    try {
      scanner.scan(left);
    } catch (e) {
      if (!(e instanceof DirectiveError)) throw e;
      fail(e.message, i, i, 'DIRECTIVE');
      scanner.done = true;
    }
    i++;
    if (left.startsWith('#')) continue;
    const firstCont = continuation(left);
    if (!firstCont.more && firstCont.text.length === 0) continue;

    const segments: Segment[] = [];
    const leftCol = first.text.length - left.length;
    segments.push({ logStart: 0, line: startIdx + 1, column: leftCol + 1, offset: first.offset + leftCol });
    let line = firstCont.text;
    let more = firstCont.more;
    let emptyContinuation = false;
    while (more && i < lines.length) {
      const l = lines.at(i);
      if (byteLength(l.text) > MAX_LINE_BYTES) return fail(`dockerfile line greater than max allowed size of ${MAX_LINE_BYTES}`, i, i, 'LINE_TOO_LONG');
      i++;
      if (isComment(l.text)) continue;
      if (trimLeft(l.text).length === 0) {
        emptyContinuation = true;
        continue;
      }
      const c = continuation(l.text);
      segments.push({ logStart: line.length, line: i, column: 1, offset: l.offset });
      line += c.text;
      more = c.more;
    }
    const endIdx = i - 1;
    const map = new LineMap(file, segments);
    if (emptyContinuation) {
      warnings.push({ message: `Empty continuation line found in: ${line}`, range: lineRange(startIdx, endIdx) });
    }

    const escape = scanner.escape as '\\' | '`';
    if (!line.includes('<<')) {
      // no heredoc possible: split later, with all such lines in one Chevrotain run
      pending.push({ line, escape, map, startIdx, endIdx });
      if (pending.length >= 256) flush();
      continue;
    }
    // may open heredocs: split it now (with the lines before it), before the following lines are read
    pending.push({ line, escape, map, startIdx, endIdx });
    const node = flush(true);
    if (!node) continue;

    const target = heredocTarget(node);
    let lastIdx = endIdx;
    if (target && line.includes('<<')) {
      let words;
      try {
        words = heredocsFromLine(line);
      } catch (e) {
        if (e instanceof HeredocSyntaxError) return fail(e.message, startIdx, endIdx, 'HEREDOC');
        throw e;
      }
      for (const w of words) {
        const bodyStart = i;
        let content = '';
        let terminated = false;
        while (i < lines.length) {
          const l = lines.at(i);
          i++;
          const candidate = w.chomp ? l.text.replace(/^\t+/, '') : l.text;
          if (candidate === w.name) {
            terminated = true;
            break;
          }
          content += l.raw;
        }
        if (!terminated) {
          errors.push(diagnostic('UNTERMINATED_HEREDOC', `unterminated heredoc ${w.name}: no line '${w.name}' ends it`, map.range(w.start, w.end)));
          return finish();
        }
        const heredoc: Heredoc = {
          name: w.name,
          fileDescriptor: w.fileDescriptor,
          expand: w.expand,
          chomp: w.chomp,
          content,
          range: map.range(w.start, w.end),
          bodyRange: { file, start: pos(bodyStart, 0), end: pos(i - 1, 0) },
        };
        target.heredocs.push(heredoc);
      }
      lastIdx = i - 1;
    }
    node.range = { ...lineRange(startIdx, lastIdx), start: node.keywordRange.start };
    emit(node);
  }
  return finish();

  /** splits and emits the pending lines; with `holdLast`, returns the last node instead of emitting it */
  function flush(holdLast = false): AstNode | undefined {
    if (pending.length === 0) return undefined;
    let held: AstNode | undefined;
    const last = pending.length - 1;
    // the escape character only changes in the directive block, before any instruction
    const splits = splitCommands(
      pending.map((p) => p.line),
      (pending[0] as Pending).escape,
    );
    pending.forEach((p, k) => {
      try {
        const split = splits[k] as SplitLine;
        const range = lineRange(p.startIdx, p.endIdx);
        range.start = p.map.posAt(split.keywordStart);
        const node = nodeFromLine(p.line, 0, p.escape, p.map, split, range);
        if (holdLast && k === last) held = node;
        else emit(node);
      } catch (e) {
        if (!(e instanceof LineParseError)) throw e;
        errors.push(diagnostic(e.code, e.message, e.range ?? lineRange(p.startIdx, p.endIdx)));
      }
    });
    pending.length = 0;
    return held;
  }

  function finish(): AstResult {
    flush();
    errors.sort((a, b) => a.range.start.line - b.range.start.line);
    if (count === 0 && errors.length === 0) {
      const last = Math.max(0, lines.length - 1);
      errors.push(diagnostic('NO_INSTRUCTIONS', 'file with no instructions', lineRange(last, last)));
    }
    return result();
  }
}

/** RUN, COPY, ADD (not in JSON form), or the one nested in ONBUILD */
function heredocTarget(node: AstNode): AstNode | undefined {
  let n = node;
  if (n.keyword.toLowerCase() === 'onbuild' && n.nested) n = n.nested;
  const k = n.keyword.toLowerCase();
  if (k !== 'run' && k !== 'copy' && k !== 'add') return undefined;
  return n.json ? undefined : n;
}

/** one logical line (or ONBUILD's rest, at `base` within it) to a node */
export function nodeFromLine(
  line: string,
  base: number,
  escape: '\\' | '`',
  map: LineMap,
  presplit?: SplitLine,
  lineRange?: SourceRange,
): AstNode {
  const split = presplit ?? splitCommand(line, escape);
  const flags = split.flags.map((f) => new AstFlag(f.text, base + f.start, base + f.end, map));
  const shape = argumentShape(split.keyword);
  const restStart = base + split.restStart;
  const node = new AstNode(
    split.keyword,
    base + split.keywordStart,
    flags,
    split.rest,
    restStart,
    line,
    map,
    lineRange ?? map.range(base, base + line.length),
  );
  if (shape === 'onbuild') {
    if (split.rest !== '') node.nested = nodeFromLine(split.rest, restStart, escape, map);
    return node;
  }
  let parsed;
  try {
    parsed = parseArguments(shape, split.rest, escape);
  } catch (e) {
    if (e instanceof LineParseError && !e.range) e.range = node.restRange;
    throw e;
  }
  node.args = parsed.args;
  node.json = parsed.json;
  return node;
}
