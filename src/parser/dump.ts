// BuildKit's parse dump (`(from "a")` lines), byte for byte: see
// ../shared/conformance/dockerfile-parser/FORMAT.md.
import type { AstNode } from './ast.js';

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;
const SHORT: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
// eslint-disable-next-line no-control-regex
const PLAIN = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/** Go's strconv.Quote */
export function goQuote(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (SHORT[ch] !== undefined) out += SHORT[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else if (PRINTABLE.test(ch)) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

export function dumpNode(node: AstNode): string {
  let s = node.keyword.toLowerCase();
  if (node.flags.length > 0) s += ` [${node.flags.map((f) => goQuote(f.text)).join(' ')}]`;
  if (node.nested) s += ` (${dumpNode(node.nested)})`;
  for (const a of node.args) s += ` ${goQuote(a)}`;
  return s;
}

/** the whole dump, one `(…)` line per instruction, each ending in a newline */
export function dump(nodes: readonly AstNode[]): string {
  let out = '';
  for (const n of nodes) out += `(${dumpNode(n)})\n`;
  return out;
}
