// Symbolic --chmod (`u+x`, `go-w`, `a=r,u+w`, `+X`) applied to a file's
// mode, as chmod(1) does without a umask. Pure.

const clause = /^([ugoa]*)([-+=])([rwxXst]*|[ugo])$/;

export function isSymbolicMode(spec: string): boolean {
  return spec.split(',').every((c) => clause.test(c));
}

export function applySymbolicMode(mode: number, spec: string, isDir: boolean): number {
  let m = mode & 0o7777;
  for (const c of spec.split(',')) {
    const parts = clause.exec(c);
    if (!parts) throw new Error(`invalid mode clause '${c}'`);
    const who = parts[1] === '' || parts[1]!.includes('a') ? 'ugo' : (parts[1] as string);
    const op = parts[2] as string;
    const perms = parts[3] as string;
    let bits = 0;
    if (perms === 'u' || perms === 'g' || perms === 'o') {
      const shift = { u: 6, g: 3, o: 0 }[perms];
      const v = (m >> shift) & 7;
      for (const w of who) bits |= v << { u: 6, g: 3, o: 0 }[w as 'u' | 'g' | 'o'];
    } else {
      for (const w of who) {
        const shift = { u: 6, g: 3, o: 0 }[w as 'u' | 'g' | 'o'];
        if (perms.includes('r')) bits |= 4 << shift;
        if (perms.includes('w')) bits |= 2 << shift;
        if (perms.includes('x') || (perms.includes('X') && (isDir || (mode & 0o111) !== 0))) bits |= 1 << shift;
        if (perms.includes('s') && w === 'u') bits |= 0o4000;
        if (perms.includes('s') && w === 'g') bits |= 0o2000;
        if (perms.includes('t') && w === 'o') bits |= 0o1000;
      }
    }
    if (op === '+') m |= bits;
    else if (op === '-') m &= ~bits;
    else {
      let mask = 0;
      for (const w of who) mask |= { u: 0o4700, g: 0o2070, o: 0o1007 }[w as 'u' | 'g' | 'o'];
      m = (m & ~mask) | bits;
    }
  }
  return m;
}
