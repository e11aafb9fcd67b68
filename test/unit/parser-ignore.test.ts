import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TsbuildError } from '../../src/errors.js';
import { IgnoreMatcher, cleanPath, isValidGlob, readIgnoreFile, trimSpace } from '../../src/parser/ignore.js';
import { ignoreFileCandidates, resolveIgnore } from '../../src/parser/ignore-file.js';

const m = (...patterns: string[]) => IgnoreMatcher.compile(patterns);

describe('readIgnoreFile', () => {
  it('removes a BOM, CRLF, comments in column 1 only, and blank lines', () => {
    const text = '\uFEFF# comment\r\nnode_modules\r\n  # not a comment\r\n\r\n\t\n*.log   \n';
    expect(readIgnoreFile(text)).toEqual(['node_modules', '# not a comment', '*.log']);
  });

  it('cleans paths, drops one leading slash and keeps the ! in front', () => {
    expect(readIgnoreFile('/a/./b/../c/\n!  /keep//this/\n/\n!\n./x\n../up\n')).toEqual(['a/c', '!keep/this', '/', '!', 'x', '../up']);
  });

  it('trims like Go: Unicode spaces yes, U+FEFF inside the text no', () => {
    expect(trimSpace('\u00a0 a \u2003')).toBe('a');
    expect(trimSpace('\uFEFFa')).toBe('\uFEFFa');
  });
});

describe('cleanPath (Go path.Clean)', () => {
  it.each([
    ['', '.'],
    ['a//b/./c/', 'a/b/c'],
    ['/../a', '/a'],
    ['../../a', '../../a'],
    ['a/../..', '..'],
    ['/', '/'],
    ['**/', '**'],
  ])('%j → %j', (input, out) => expect(cleanPath(input)).toBe(out));
});

describe('IgnoreMatcher', () => {
  it('lets the last applicable pattern win', () => {
    const matcher = m('*.md', '!README.md', 'docs');
    expect(matcher.matches('CHANGES.md')).toBe(true);
    expect(matcher.matches('README.md')).toBe(false);
    expect(matcher.matches('docs/README.md')).toBe(true);
    expect(matcher.matches('docs')).toBe(true);
  });

  it('matches a directory pattern against everything below it', () => {
    expect(m('build').matches('build/x/y.o')).toBe(true);
    expect(m('build/').matches('build/x')).toBe(true);
    expect(m('build').matches('builder/x')).toBe(false);
  });

  it('never excludes the context root', () => {
    expect(m('*', '**', '.').matches('.')).toBe(false);
    expect(m('**').matches('./')).toBe(false);
  });

  it('follows RE2 for classes and escapes patternmatcher passes through', () => {
    expect(m('[[:digit:]]*').matches('9lives')).toBe(true);
    expect(m('[[:digit:]]*').matches('lives')).toBe(false);
    expect(m('v\\d').matches('v7')).toBe(true); // `\d` reaches the regexp as a digit class
    expect(m('v\\d').matches('vd')).toBe(false);
    expect(m('a^b').matches('a^b')).toBe(true); // no wildcard: compared as text
    expect(m('a^b*').matches('a^bc')).toBe(false); // in a regexp `^` is an anchor
    expect(m('a\\^b*').matches('a^bc')).toBe(true);
    expect(m('x[*]').matches('x]')).toBe(true); // `[*]` becomes `[[^/]*]`
  });

  it('refuses malformed globs when built, naming the pattern', () => {
    for (const bad of ['[', 'a[b', '[]', '[a-]', '[^', 'x\\']) expect(isValidGlob(bad), bad).toBe(false);
    expect(() => m('ok', 'a[b')).toThrow(/syntax error in pattern: "a\[b"/);
    expect(() => m('!')).toThrow('illegal exclusion pattern: "!"');
    const err = (() => {
      try {
        m('[');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(TsbuildError);
    expect((err as TsbuildError).code).toBe('IGNORE_PATTERN');
  });

  it('fails on an invalid regexp escape only when the pattern is evaluated (as patternmatcher compiles lazily)', () => {
    const matcher = m('*', 'a\\q');
    expect(matcher.matches('anything')).toBe(true); // `*` matched first: `a\q` is never tried
    expect(() => m('a\\q').matches('aq')).toThrow(/syntax error in pattern/);
  });

  it('walking with parent results gives the same answers', () => {
    const matcher = m('**/node_modules', '!keep/node_modules/x', 'tmp/**', '*.o');
    const paths = ['keep/node_modules/x/y', 'a/node_modules/b', 'tmp', 'tmp/a/b', 'src/main.o', 'src/main.c', 'keep/node_modules/z'];
    for (const p of paths) {
      const segs = p.split('/');
      let info;
      let excluded = false;
      for (let i = 0; i < segs.length; i++) {
        const r = matcher.matchWithParent(segs.slice(0, i + 1).join('/'), info);
        info = r.info;
        excluded = r.excluded;
      }
      expect(excluded, p).toBe(matcher.matches(p));
    }
  });

  describe('canSkipDir', () => {
    it('skips an excluded directory when there are no exceptions', () => {
      const matcher = m('node_modules', 'dist/**');
      expect(matcher.canSkipDir('node_modules')).toBe(true);
      expect(matcher.canSkipDir('dist/sub')).toBe(true);
      expect(matcher.canSkipDir('dist')).toBe(false); // `dist/**` does not match `dist` itself
      expect(matcher.canSkipDir('src')).toBe(false);
    });

    it('does not skip when an exception could re-include something below', () => {
      const matcher = m('vendor', '!vendor/keep.txt', 'cache', '!**/*.go', 'logs', '!other/x');
      expect(matcher.canSkipDir('vendor')).toBe(false);
      expect(matcher.canSkipDir('cache')).toBe(false); // `**/*.go` could match below
      const strict = m('logs', '!other/x', 'tmp', '!tmpfile');
      expect(strict.canSkipDir('logs')).toBe(true);
      expect(strict.canSkipDir('tmp')).toBe(true);
    });

    it('agrees with matching for every file below a skipped directory', () => {
      const matcher = m('a', '!b/c', 'b', '!a2/x');
      expect(matcher.canSkipDir('a')).toBe(true);
      for (const p of ['a/x', 'a/b/c', 'a/a2/x']) expect(matcher.matches(p), p).toBe(true);
      expect(matcher.canSkipDir('b')).toBe(false);
      const reinclude = m('b', '!b/c');
      expect(reinclude.canSkipDir('b')).toBe(false);
      expect(reinclude.matches('b/c')).toBe(false);
    });
  });
});

describe('ignore file resolution', () => {
  const ctx = '/ctx';
  const files = (entries: Record<string, string>) => (f: string) => entries[f];

  it('prefers <Boxfile>.dockerignore next to the Boxfile, then .boxignore, then .dockerignore', () => {
    const all = {
      '/elsewhere/app.Boxfile.dockerignore': 'specific',
      '/ctx/.boxignore': 'box',
      '/ctx/.dockerignore': 'docker',
    };
    expect(resolveIgnore(ctx, '/elsewhere/app.Boxfile', files(all)).patterns).toEqual(['specific']);
    expect(resolveIgnore(ctx, '/ctx/Boxfile', files(all)).patterns).toEqual(['box']);
    expect(resolveIgnore(ctx, undefined, files({ '/ctx/.dockerignore': 'docker' })).file).toBe('/ctx/.dockerignore');
    const none = resolveIgnore(ctx, '/ctx/Boxfile', files({}));
    expect(none.file).toBeUndefined();
    expect(none.matcher.matches('anything')).toBe(false);
  });

  it('lists the candidates in order', () => {
    expect(ignoreFileCandidates('/ctx', '/b/Dockerfile')).toEqual(['/b/Dockerfile.dockerignore', '/ctx/.boxignore', '/ctx/.dockerignore']);
  });

  it('names the file in a pattern error', () => {
    expect(() => resolveIgnore(ctx, undefined, files({ '/ctx/.boxignore': 'ok\n[oops\n' }))).toThrow(/\/ctx\/\.boxignore: syntax error in pattern/);
  });

  describe('on disk', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-ignore-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the real files', () => {
      mkdirSync(path.join(dir, 'sub'));
      writeFileSync(path.join(dir, '.dockerignore'), 'docker\n');
      expect(resolveIgnore(dir).patterns).toEqual(['docker']);
      writeFileSync(path.join(dir, '.boxignore'), 'box\n');
      expect(resolveIgnore(dir, path.join(dir, 'sub', 'Boxfile')).patterns).toEqual(['box']);
      writeFileSync(path.join(dir, 'sub', 'Boxfile.dockerignore'), '!x\nall\n');
      const r = resolveIgnore(dir, path.join(dir, 'sub', 'Boxfile'));
      expect(r.file).toBe(path.join(dir, 'sub', 'Boxfile.dockerignore'));
      expect(r.matcher.matches('all/y')).toBe(true);
    });
  });
});
