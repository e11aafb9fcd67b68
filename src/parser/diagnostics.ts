// Positioned problems of a Boxfile, and how they are shown:
//   FILE:LINE:COL: message
//     the source line
//     ^
import { TsbuildError, type SourceRange } from '../errors.js';

export interface Diagnostic {
  /** stable, e.g. UNKNOWN_INSTRUCTION */
  code: string;
  message: string;
  range: SourceRange;
  severity: 'error' | 'warning';
}

export function diagnostic(code: string, message: string, range: SourceRange, severity: 'error' | 'warning' = 'error'): Diagnostic {
  return { code, message, range, severity };
}

/** the result of every parse step: a value (possibly partial) and every problem found */
export interface Result<T> {
  value: T;
  diagnostics: Diagnostic[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

function sourceLine(text: string, line: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return '';
    start = nl + 1;
  }
  const nl = text.indexOf('\n', start);
  return text.slice(start, nl === -1 ? text.length : nl).replace(/[\r\n]+$/, '');
}

/** one diagnostic, with the source line and a caret under the column */
export function formatDiagnostic(d: Diagnostic, text: string): string {
  const head = `${d.range.file}:${d.range.start.line}:${d.range.start.column}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
  const src = sourceLine(text, d.range.start.line);
  // keep tabs so the caret lines up under the same characters
  const pad = src.slice(0, Math.max(0, d.range.start.column - 1)).replace(/[^\t]/g, ' ');
  return `${head}\n  ${src.replace(/\t/g, '\t')}\n  ${pad}^`;
}

export function formatDiagnostics(diagnostics: readonly Diagnostic[], text: string): string {
  return diagnostics.map((d) => formatDiagnostic(d, text)).join('\n');
}

/** a Boxfile error holding every diagnostic (the CLI exits 2) */
export function boxfileError(diagnostics: readonly Diagnostic[], text: string): TsbuildError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0];
  const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
  const where = first ? first.range.file : 'Boxfile';
  return new TsbuildError('boxfile', first?.code ?? 'BOXFILE_INVALID', `${where}: ${count}\n${formatDiagnostics(errors, text)}`, {
    ranges: errors.map((d) => d.range),
  });
}
