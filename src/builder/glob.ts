// Path patterns as COPY sources and --exclude use them (Go's filepath.Match
// per segment: `*`, `?`, `[a-z]`, `[^a-z]`, `\` escapes; plus `**` for any
// number of segments). Pure.

const globChars = /[*?[\\]/;

export function hasGlob(pattern: string): boolean {
  return globChars.test(pattern);
}

function segmentRegex(seg: string): string {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < seg.length) re += escapeRe(seg[++i] as string);
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end === -1) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, end);
      const negate = body.startsWith('^') || body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/]/g, '\\]')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return re;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A matcher for a whole relative path (no leading `/`). */
export function compileGlob(pattern: string): (path: string) => boolean {
  const segs = pattern.split('/').filter((s) => s !== '' && s !== '.');
  let re = '^';
  segs.forEach((s, i) => {
    if (s === '**') {
      re += i === segs.length - 1 ? '.*' : '(?:[^/]+/)*';
      return;
    }
    re += segmentRegex(s);
    if (i < segs.length - 1) re += '/';
  });
  re += '$';
  const rx = new RegExp(re);
  return (p: string) => rx.test(p);
}
