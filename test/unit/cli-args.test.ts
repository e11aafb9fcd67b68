import { describe, expect, it } from 'vitest';
import { parseArgs, type FlagSpec } from '../../src/cli/args.js';
import { TsbuildError } from '../../src/errors.js';

const specs: FlagSpec[] = [
  { name: 'file', short: 'f', kind: 'string', description: '' },
  { name: 'tag', short: 't', kind: 'list', description: '' },
  { name: 'interactive', short: 'i', kind: 'bool', description: '' },
  { name: 'tty', short: 't2', kind: 'bool', description: '' },
  { name: 'rm', kind: 'bool', description: '' },
];

describe('parseArgs', () => {
  it('reads long, short, attached and = forms', () => {
    const a = parseArgs(['-f', 'A', '--tag', 'x', '-ty', '--tag=z', '.'], specs);
    expect(a.flags.get('file')).toBe('A');
    expect(a.flags.get('tag')).toEqual(['x', 'y', 'z']);
    expect(a.positionals).toEqual(['.']);
  });
  it('bundles short booleans and stops at the first positional when asked', () => {
    const a = parseArgs(['-i', '--rm', 'img', '-f', 'x'], specs, { stopAtPositional: true });
    expect(a.flags.get('interactive')).toBe(true);
    expect(a.flags.get('rm')).toBe(true);
    expect(a.positionals).toEqual(['img', '-f', 'x']);
  });
  it('names the unknown flag', () => {
    expect(() => parseArgs(['--nope'], specs)).toThrow(/unknown flag: --nope/);
    expect(() => parseArgs(['--file'], specs)).toThrow(TsbuildError);
  });
});
