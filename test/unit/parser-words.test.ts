import { describe, expect, it } from 'vitest';
import { TsbuildError } from '../../src/errors.js';
import { envFromList, expandWord, processWord, processWords } from '../../src/parser/words.js';

const env = new Map([
  ['A', 'alpha'],
  ['EMPTY', ''],
  ['SP', 'one  two'],
  ['PATHV', '/usr/local/bin/tool.tar.gz'],
  ['NL', 'a\nb'],
]);

function failure(fn: () => unknown): TsbuildError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TsbuildError);
    return err as TsbuildError;
  }
  throw new Error('expected a failure');
}

describe('processWord: escapes and quotes', () => {
  it('uses the backtick as escape character when the Boxfile says so', () => {
    expect(processWord('a`$A', env, { escapeToken: '`' })).toBe('a$A');
    expect(processWord('C:\\dir\\$A', env, { escapeToken: '`' })).toBe('C:\\dir\\alpha');
    expect(processWord('"x`"y"', env, { escapeToken: '`' })).toBe('x"y');
    expect(processWord('a\\$A', env, { escapeToken: '\\' })).toBe('a$A');
  });

  it('keeps quotes with rawQuotes and escapes with rawEscapes', () => {
    expect(processWord(`'a'"$A"`, env, { rawQuotes: true })).toBe(`'a'"alpha"`);
    expect(processWord('a\\ b', env, { rawEscapes: true })).toBe('a\\ b');
    // BuildKit writes the escape twice for an ordinary character in double quotes
    expect(processWord('"a\\tb"', env, { rawEscapes: true })).toBe('a\\\\tb');
  });

  it('treats quotes as plain characters with skipProcessQuotes', () => {
    expect(processWord(`'$A'`, env, { skipProcessQuotes: true })).toBe(`'alpha'`);
  });

  it('leaves unset variables as written with skipUnsetEnv', () => {
    const o = { skipUnsetEnv: true };
    expect(processWord('$NOPE ${NOPE} ${NOPE:-x} ${NOPE/a/b} $A', env, o)).toBe('$NOPE ${NOPE} ${NOPE:-x} ${NOPE/a/b} alpha');
  });
});

describe('processWord: modifiers', () => {
  it('distinguishes unset from empty', () => {
    expect(processWord('[${EMPTY-d}][${EMPTY:-d}][${EMPTY+s}][${EMPTY:+s}]', env)).toBe('[][d][s][]');
  });

  it('trims prefixes and suffixes, shortest and longest', () => {
    expect(processWord('${PATHV#*/}', env)).toBe('usr/local/bin/tool.tar.gz');
    expect(processWord('${PATHV##*/}', env)).toBe('tool.tar.gz');
    expect(processWord('${PATHV%.*}', env)).toBe('/usr/local/bin/tool.tar');
    expect(processWord('${PATHV%%.*}', env)).toBe('/usr/local/bin/tool');
    expect(processWord('${PATHV%/*}', env)).toBe('/usr/local/bin');
  });

  it('works on Unicode by character', () => {
    const u = new Map([['K', '한국어🚀x']]);
    expect(processWord('${K#?}', u)).toBe('국어🚀x');
    expect(processWord('${K%?}', u)).toBe('한국어🚀');
    expect(processWord('${K%??}', u)).toBe('한국어');
  });

  it('replaces the first or every match', () => {
    expect(processWord('${PATHV/\\//:}', env)).toBe(':usr/local/bin/tool.tar.gz');
    expect(processWord('${PATHV//\\//:}', env)).toBe(':usr:local:bin:tool.tar.gz');
    expect(processWord('${PATHV//[/x}', env)).toBe('/usr/local/bin/tool.tar.gz');
  });

  it('replaces empty matches as Go does (no empty match right after a match)', () => {
    const e = new Map([['V', 'abc']]);
    // `*` matches all of "abc"; the empty match at the end, right after it, is skipped
    expect(processWord('${V//*/-}', e)).toBe('-');
    expect(processWord('${V///-}', e)).toBe('-a-b-c-');
    expect(processWord('${V//b*/-}', e)).toBe('a-');
  });

  it('expands $0 in a replace-all replacement as Go templates do', () => {
    const e = new Map([
      ['V', 'ab'],
      ['R', '<$0>'],
      ['D', '$$'],
      ['N', '$name.'],
    ]);
    expect(processWord('${V//?/$R}', e)).toBe('<a><b>');
    expect(processWord('${V//a/$D}', e)).toBe('$b');
    expect(processWord('${V//a/$N}', e)).toBe('.b');
    // the first-match form uses the replacement as it is
    expect(processWord('${V/a/$R}', e)).toBe('<$0>b');
  });

  it('`*` and `?` do not cross a newline (Go regexp `.`)', () => {
    expect(processWord('${NL#*}', env)).toBe('a\nb');
    expect(processWord('${NL##*}', env)).toBe('\nb');
    expect(processWord('${NL#??}', env)).toBe('a\nb');
  });
});

describe('processWords', () => {
  it('splits unquoted expansions and keeps quoted ones', () => {
    expect(processWords('x$SP "$SP" y', env)).toEqual(['xone', 'two', 'one  two', 'y']);
  });

  it('splits at Unicode white space as Go does', () => {
    expect(processWords('a\u00a0b\u2003c', new Map())).toEqual(['a', 'b', 'c']);
  });

  it('drops empty words', () => {
    expect(processWords('a "" \'\' b $EMPTY', env)).toEqual(['a', 'b']);
  });

  it('keeps `<<` and the white space after it in one word', () => {
    expect(processWords('cat <<  EOF > out', new Map())).toEqual(['cat', '<<  EOF', '>', 'out']);
    expect(processWords('cat <<- EOF', new Map())).toEqual(['cat', '<<-', 'EOF']);
    expect(processWord('cat <<  EOF', new Map())).toBe('cat <<  EOF');
  });
});

describe('matched and unmatched variables', () => {
  it('records lookups inside modifiers and patterns', () => {
    const r = expandWord('${A:-$B} ${C#$A} $1 ${EMPTY}', env);
    expect([...r.matched].sort()).toEqual(['A', 'EMPTY']);
    expect([...r.unmatched].sort()).toEqual(['1', 'B', 'C']);
  });
});

describe('errors', () => {
  it('are boxfile errors with a stable code and the word', () => {
    const err = failure(() => processWord('x${A', env));
    expect(err.category).toBe('boxfile');
    expect(err.code).toBe('WORD_EXPANSION');
    expect(err.message).toBe(`failed to process "x\${A": syntax error: missing '}'`);
  });

  it.each([
    ['${}', 'syntax error: bad substitution'],
    ['${:-x}', 'syntax error: bad substitution'],
    ['${A=x}', 'unsupported modifier (=) in substitution'],
    ['${A:=x}', 'unsupported modifier (:=) in substitution'],
    ['${A:#x}', 'unsupported modifier (:#) in substitution'],
    ['${A.}', 'unsupported modifier (.) in substitution'],
    ['${A//x}', "syntax error: missing '/' in ${}"],
    ['${A/x/y', "syntax error: missing '}'"],
    ['"abc', 'unexpected end of statement while looking for matching double-quote'],
    ["'abc", 'unexpected end of statement while looking for matching single-quote'],
    ['${A:-"x}', "syntax error: missing '}'"],
    ['${NOPE?}', 'NOPE: is not allowed to be unset'],
    ['${EMPTY:?}', 'EMPTY: is not allowed to be empty'],
    ['${NOPE:?set NOPE to $A}', 'NOPE: set NOPE to alpha'],
    ['${A#\\x}', "invalid pattern (\\x) in substitution: invalid escape '\\x'"],
  ])('%s → %s', (word, message) => {
    expect(failure(() => processWord(word, env)).message).toBe(`failed to process ${JSON.stringify(word)}: ${message}`);
  });
});

describe('envFromList', () => {
  it('splits at the first = and lets the last entry win', () => {
    const e = envFromList(['A=1', 'B=x=y', 'C', 'A=2']);
    expect(Object.fromEntries(e)).toEqual({ A: '2', B: 'x=y', C: '' });
  });
});
