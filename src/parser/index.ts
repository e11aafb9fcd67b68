// The parser's public surface.
export * from './instructions.js';
export { parseBoxfile, parseDump, type ParseOptions } from './boxfile.js';
export { buildGraph, formatGraphDot, formatGraphText, type GraphOptions, type GraphStage, type StageBaseRef, type StageDependency, type StageGraph } from './graph.js';
export { boxfileError, diagnostic, formatDiagnostic, formatDiagnostics, hasErrors, type Diagnostic, type Result } from './diagnostics.js';
export { chompHeredoc, parseHeredocWord } from './heredocs.js';
export { parseAst, type AstResult } from './parse-ast.js';
export type { AstNode, AstFlag, Directives } from './ast.js';
export { dump, goQuote } from './dump.js';
export { parseGoDuration } from './durations.js';
export { parseMount, csvFields } from './mounts.js';
export { buildStages } from './stages.js';
