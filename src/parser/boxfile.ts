// The parser's top-level API: Boxfile text → typed, validated instructions
// and stages, with every problem reported at once.
import { parseAst, type AstResult } from './parse-ast.js';
import { diagnostic, type Diagnostic, type Result } from './diagnostics.js';
import { dump } from './dump.js';
import type { Boxfile, Instruction } from './instructions.js';
import { buildStages } from './stages.js';
import { toInstruction } from './to-instructions.js';

export interface ParseOptions {
  /** the path as the user gave it; shown in every diagnostic (default `Boxfile`) */
  file?: string;
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column;
}

/** full parse + validation (what `tsbuild parse` and the builder run) */
export function parseBoxfile(text: string, options: ParseOptions = {}): Result<Boxfile> {
  const file = options.file ?? 'Boxfile';
  const diagnostics: Diagnostic[] = [];
  const ctx = { diagnostics };
  const instructions: Instruction[] = [];
  // each node is converted as soon as it is parsed: the parse tree never grows old
  const ast = parseAst(text, file, (node) => {
    const inst = toInstruction(node, ctx);
    if (inst) instructions.push(inst);
  });
  diagnostics.push(...ast.errors);
  const { globalArgs, stages } = buildStages(instructions, diagnostics);
  for (const w of ast.warnings) diagnostics.push(diagnostic('EMPTY_CONTINUATION', w.message, w.range, 'warning'));
  diagnostics.sort(byPosition);
  const directives: Boxfile['directives'] = { escape: ast.escape };
  if (ast.directives.syntax !== undefined) directives.syntax = ast.directives.syntax;
  if (ast.directives.check !== undefined) directives.check = ast.directives.check;
  return { value: { file, directives, globalArgs, stages, instructions }, diagnostics };
}

/** the parser level only: BuildKit's dump, failing only where BuildKit's parser fails */
export function parseDump(text: string, options: ParseOptions = {}): Result<string> {
  const ast: AstResult = parseAst(text, options.file ?? 'Boxfile');
  // BuildKit stops at its first error
  return { value: ast.errors.length > 0 ? '' : dump(ast.nodes), diagnostics: ast.errors.slice(0, 1) };
}
