import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { parseEnvFile, parseMount, parseTmpfs, parseVolume, runFlags, toRunOptions } from '../../src/runtime/run-options.js';
import { TsbuildError } from '../../src/errors.js';

const opts = (argv: string[]) => toRunOptions(parseArgs(argv, runFlags, { stopAtPositional: true }));

describe('run options', () => {
  it('reads flags and stops at IMAGE', () => {
    const o = opts(['--rm', '-it', '-e', 'A=1', '--name', 'web', 'img', 'sh', '-c', 'echo -e x']);
    expect(o).toMatchObject({ rm: true, interactive: true, tty: true, env: ['A=1'], name: 'web', image: 'img', command: ['sh', '-c', 'echo -e x'] });
    expect(o.storageDriver).toBe('overlay');
  });
  it('--rootfs takes no IMAGE', () => {
    const o = opts(['--rootfs', '/r', 'echo', 'hi']);
    expect(o).toMatchObject({ image: undefined, rootfs: '/r', command: ['echo', 'hi'] });
  });
  const errors: [string[], RegExp][] = [
    [[], /needs an IMAGE/],
    [['--rootfs', 'rel'], /--rootfs rel: .*absolute/],
    [['--name', '-bad', 'img'], /--name "-bad"/],
    [['--hostname', 'a_b', 'img'], /--hostname "a_b"/],
    [['-w', 'rel', 'img'], /--workdir rel/],
    [['-e', '=x', 'img'], /--env "=x"/],
    [['-u', 'a:b:c', 'img'], /--user "a:b:c"/],
    [['-v', 'vol:/x', 'img'], /-v vol:\/x: .*must be absolute/],
    [['-v', '/a', 'img'], /-v \/a: expected HOST:CONTAINER/],
    [['-v', '/a:/b:rx', 'img'], /unknown volume option "rx"/],
    [['-v', '/a:rel', 'img'], /container path "rel" must be absolute/],
    [['-v', '/a:/', 'img'], /cannot mount over/],
    [['-v', '/a:/x', '--tmpfs', '/x/', 'img'], /--tmpfs \/x\/: duplicate mount point \/x \(also in -v \/a:\/x\)/],
    [['--mount', 'type=volume,target=/x', 'img'], /type=volume is not supported/],
    [['--mount', 'type=bind,target=/x', 'img'], /source= is required/],
    [['--mount', 'type=bind,source=/a', 'img'], /target= is required/],
    [['--mount', 'type=tmpfs,target=/x,foo=1', 'img'], /unknown option foo/],
    [['--tmpfs', '/x:exec,bogus', 'img'], /unknown tmpfs option "bogus"/],
    [['--storage-driver', 'btrfs', 'img'], /--storage-driver btrfs/],
    [['--security-opt', 'seccomp', 'img'], /--security-opt seccomp/],
    [['--security-opt', 'foo=bar', 'img'], /unknown security option/],
    [['--cap-add', 'NET ADMIN', 'img'], /--cap-add "NET ADMIN"/],
  ];
  for (const [argv, re] of errors) {
    it(`usage error for ${argv.join(' ') || '(nothing)'}`, () => {
      let err: unknown;
      try {
        opts(argv);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TsbuildError);
      expect((err as TsbuildError).category).toBe('usage');
      expect((err as TsbuildError).message).toMatch(re);
    });
  }
});

describe('mount flags', () => {
  it('-v', () => {
    expect(parseVolume('/h:/c')).toMatchObject({ type: 'bind', source: '/h', target: '/c', readonly: false });
    expect(parseVolume('/h:/c/./d/:ro')).toMatchObject({ target: '/c/d', readonly: true });
  });
  it('--mount bind and tmpfs', () => {
    expect(parseMount('type=bind,src=/h,dst=/c,ro')).toMatchObject({ type: 'bind', source: '/h', target: '/c', readonly: true });
    expect(parseMount('type=bind,source=/h,target=/c,readonly=false')).toMatchObject({ readonly: false });
    expect(parseMount('type=tmpfs,destination=/t,tmpfs-size=64m,tmpfs-mode=1770')).toMatchObject({
      type: 'tmpfs',
      target: '/t',
      options: ['nosuid', 'nodev', `size=${64 * 1024 * 1024}`, 'mode=1770'],
    });
  });
  it('--tmpfs defaults to noexec,nosuid,nodev unless the user says exec', () => {
    expect(parseTmpfs('/t').options).toEqual(['noexec', 'nosuid', 'nodev']);
    expect(parseTmpfs('/t:exec,size=1m').options).toEqual(['nosuid', 'nodev', 'exec', 'size=1m']);
  });
});

describe('--env-file', () => {
  it('reads KEY=VALUE, skips comments, takes bare keys from the host', () => {
    const text = '# c\nA=1\n\n  B=two words\nC\nD\nE=\n';
    expect(parseEnvFile('f', text, { C: 'host' })).toEqual(['A=1', 'B=two words', 'C=host', 'E=']);
  });
  it('names file and line of a bad entry', () => {
    expect(() => parseEnvFile('vars.env', 'A=1\nBAD KEY=2\n', {})).toThrow(/--env-file vars.env:2/);
  });
});
