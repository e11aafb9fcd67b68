import { describe, expect, it } from 'vitest';
import { parseCacheSpec } from '../../src/builder/remote-cache/spec.js';
import { TsbuildError } from '../../src/errors.js';

describe('parseCacheSpec', () => {
  it.each([
    ['type=registry,ref=r.example/app:cache', 'cache-to', { type: 'registry', ref: 'r.example/app:cache', mode: 'min' }],
    ['type=registry,ref=r.example/app:cache,mode=max', 'cache-to', { type: 'registry', ref: 'r.example/app:cache', mode: 'max' }],
    ['ref=127.0.0.1:5000/c', 'cache-from', { type: 'registry', ref: '127.0.0.1:5000/c', mode: 'min' }],
    ['r.example/app:cache', 'cache-from', { type: 'registry', ref: 'r.example/app:cache', mode: 'min' }],
    ['type=local,dest=out/cache,mode=max', 'cache-to', { type: 'local', dir: '/w/out/cache', mode: 'max' }],
    ['type=local,src=/abs/cache', 'cache-from', { type: 'local', dir: '/abs/cache', mode: 'min' }],
  ] as const)('%s (--%s)', (value, flag, want) => {
    expect(parseCacheSpec(value, flag, '/w')).toEqual(want);
  });

  it.each([
    ['type=registry', 'cache-to', /needs ref=REF/],
    ['type=local,src=/x', 'cache-to', /unknown field 'src'/],
    ['type=local,dest=/x', 'cache-from', /unknown field 'dest'/],
    ['type=local', 'cache-from', /needs src=DIR/],
    ['type=gha,ref=x', 'cache-to', /type must be registry or local/],
    ['type=registry,ref=a,mode=all', 'cache-to', /mode must be min or max/],
    ['type=registry,ref=a,mode=max', 'cache-from', /mode= is for --cache-to/],
    ['type=registry,ref=a,ref=b', 'cache-to', /ref is given twice/],
    ['type=registry,=a', 'cache-to', /not KEY=VALUE/],
  ] as const)('rejects %s (--%s) as a usage error naming the flag', (value, flag, msg) => {
    let err: unknown;
    try {
      parseCacheSpec(value, flag, '/w');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TsbuildError);
    expect((err as TsbuildError).category).toBe('usage');
    expect((err as Error).message).toMatch(msg);
    expect((err as Error).message).toContain(`--${flag} ${value}`);
  });
});
