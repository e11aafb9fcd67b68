// Parser directives at the top of a Boxfile: `# syntax=`, `# escape=`, `# check=`.
export const knownDirectives = ['syntax', 'escape', 'check'] as const;

// Go's \s is [\t\n\f\r ]; `.` is anything but a newline
const DIRECTIVE = /^#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/;

export class DirectiveError extends Error {}

export class DirectiveScanner {
  done = false;
  readonly seen = new Map<string, string>();
  escape = '\\';

  /** looks at one (left-trimmed) line; returns true when it was a directive */
  scan(line: string): boolean {
    if (this.done) return false;
    const m = DIRECTIVE.exec(line);
    const name = m?.[1]?.toLowerCase();
    if (!m || !name || !(knownDirectives as readonly string[]).includes(name)) {
      this.done = true;
      return false;
    }
    if (this.seen.has(name)) throw new DirectiveError(`only one ${name} parser directive can be used`);
    const value = m[2] as string;
    this.seen.set(name, value);
    if (name === 'escape') {
      if (value !== '`' && value !== '\\') throw new DirectiveError(`invalid escape token '${value}' does not match \` or \\`);
      this.escape = value;
    }
    return true;
  }
}
