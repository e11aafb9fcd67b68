// The lowerdir list of an overlay option string (escaped as overlay.ts does).
import path from 'node:path';

/** splits on SEP where it is not escaped with a backslash (overlay option syntax) */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + (s[i + 1] as string);
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** the lowerdir paths of an overlay option string, absolute (pure) */
export function overlayLowers(options: string, baseDir?: string): string[] {
  const lower = splitUnescaped(options, ',').find((o) => o.startsWith('lowerdir='));
  if (!lower) return [];
  return splitUnescaped(lower.slice('lowerdir='.length), ':').map((p) => path.resolve(baseDir ?? '/', p.replace(/\\(.)/g, '$1')));
}

