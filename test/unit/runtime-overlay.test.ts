import { describe, expect, it } from 'vitest';
import { escapeOverlayPath, overlayOptions } from '../../src/runtime/overlay.js';

describe('overlay options', () => {
  const cases: [string, string][] = [
    ['/plain/path', '/plain/path'],
    ['/a,b', '/a\\,b'],
    ['/a:b', '/a\\:b'],
    ['/a\\b', '/a\\\\b'],
    ['/x\\,:y', '/x\\\\\\,\\:y'],
  ];
  for (const [input, want] of cases) it(`escapes ${input}`, () => expect(escapeOverlayPath(input)).toBe(want));

  it('lists lowers topmost first with upper, work and the fixed features off', () => {
    expect(overlayOptions({ lowers: ['/l/top', '/l/base'], upper: '/c/upper', work: '/c/work' })).toBe(
      'lowerdir=/l/top:/l/base,upperdir=/c/upper,workdir=/c/work,redirect_dir=off,metacopy=off,index=off',
    );
  });
  it('escapes every path so a comma cannot inject an option', () => {
    const s = overlayOptions({ lowers: ['/l/a,upperdir=/evil'], upper: '/u:x', work: '/w' });
    expect(s).toBe('lowerdir=/l/a\\,upperdir=/evil,upperdir=/u\\:x,workdir=/w,redirect_dir=off,metacopy=off,index=off');
  });
  it('writes paths relative to a base dir when asked', () => {
    expect(overlayOptions({ lowers: ['/store/layers/b', '/elsewhere/a,b'], upper: '/store/containers/c/upper', work: '/store/containers/c/work', baseDir: '/store' })).toBe(
      'lowerdir=layers/b:../elsewhere/a\\,b,upperdir=containers/c/upper,workdir=containers/c/work,redirect_dir=off,metacopy=off,index=off',
    );
    expect(() => overlayOptions({ lowers: ['/a'], upper: '/u', work: '/w', baseDir: 'rel' })).toThrow(/base dir/);
  });
  it('refuses bad layouts', () => {
    expect(() => overlayOptions({ lowers: [] })).toThrow(/at least one lower/);
    expect(() => overlayOptions({ lowers: ['/a'], upper: '/u' })).toThrow(/together/);
    expect(() => overlayOptions({ lowers: ['/a'] })).toThrow(/two lower/);
    expect(() => overlayOptions({ lowers: ['rel'], upper: '/u', work: '/w' })).toThrow(/absolute/);
    expect(() => overlayOptions({ lowers: Array.from({ length: 200 }, (_, i) => `/var/lib/tsbuild/layers/${'a'.repeat(20)}${i}`), upper: '/u', work: '/w' })).toThrow(/more than mount\(2\) takes/);
  });
});
