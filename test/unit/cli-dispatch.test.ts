import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/registry.js';
import { commands as buildCommands } from '../../src/cli/registry-build.js';
import { commands as runCommands } from '../../src/cli/registry-run.js';
import { commandNames, dispatch } from '../../src/cli/registry-names.js';
import { buildShowsTty, pickBundle } from '../../src/cli/registry-bundle.js';

describe('dispatch: the command an argv asks for', () => {
  it('the names are the registry keys, sorted; the one-command registries hold their own', () => {
    expect(Object.keys(commands)).toEqual([...commandNames]);
    expect([...commandNames]).toEqual([...commandNames].sort());
    expect(Object.keys(buildCommands)).toEqual(['build']);
    expect(Object.keys(runCommands)).toEqual(['run']);
  });

  it.each([
    [[], { kind: 'help', given: false, topic: undefined }],
    [['--help'], { kind: 'help', given: true, topic: undefined }],
    [['help', 'run'], { kind: 'help', given: true, topic: 'run' }],
    [['images', '-q'], { kind: 'command', name: 'images', args: ['-q'] }],
    [['build', '.'], { kind: 'command', name: 'build', args: ['.'] }],
    [['-f', 'Boxfile', '.'], { kind: 'command', name: 'build', args: ['-f', 'Boxfile', '.'] }],
    [['./app'], { kind: 'command', name: 'build', args: ['./app'] }],
    [['app'], { kind: 'unknown', message: "unknown command: app (to build the folder 'app', write ./app)" }],
  ])('%j', (rest, expected) => {
    expect(dispatch(rest)).toEqual(expected);
  });
});

describe('pickBundle: which bundle the launcher loads', () => {
  const noCI = {};
  const yes = () => true;
  const no = () => false;
  it.each([
    [['run', 'busybox'], 'run.cjs'],
    [['--root', '/x', 'run', '--rm', 'busybox'], 'run.cjs'],
    [['build', '-t', 'x', '.'], 'build.cjs'],
    [['-f', 'Boxfile', '.'], 'build.cjs'],
    [['--root=/x', '.'], 'build.cjs'],
    [['images'], 'cli.cjs'],
    [['ps', 'run'], 'cli.cjs'],
    [['--version'], 'cli.cjs'],
    [['help', 'build'], 'cli.cjs'],
    [['app'], 'cli.cjs'],
  ])('%j without a TTY → %s', (argv, expected) => {
    expect(pickBundle(argv, true, no, noCI)).toBe(expected);
  });

  it('node without require(esm) always loads the split build', () => {
    expect(pickBundle(['run', 'busybox'], false, no, noCI)).toBeUndefined();
    expect(pickBundle(['build', '.'], false, no, noCI)).toBeUndefined();
  });

  it('a build that shows the TTY display (ink) loads the split build', () => {
    expect(pickBundle(['build', '.'], true, yes, noCI)).toBeUndefined();
    expect(pickBundle(['-f', 'Boxfile', '.'], true, yes, noCI)).toBeUndefined();
    expect(pickBundle(['build', '--progress', 'tty', '.'], true, no, noCI)).toBeUndefined();
    // on a TTY but no display: plain, json, quiet, or CI set
    expect(pickBundle(['build', '--progress=plain', '.'], true, yes, noCI)).toBe('build.cjs');
    expect(pickBundle(['build', '--progress', 'json', '.'], true, yes, noCI)).toBe('build.cjs');
    expect(pickBundle(['build', '-q', '.'], true, yes, noCI)).toBe('build.cjs');
    expect(pickBundle(['build', '.'], true, yes, { CI: '1' })).toBe('build.cjs');
  });

  it('reads --progress as the build does: the last one wins, nothing after --', () => {
    expect(buildShowsTty(['--progress', 'plain', '--progress=tty', '.'], no, noCI)).toBe(true);
    expect(buildShowsTty(['--progress=tty', '--progress', 'plain', '.'], no, noCI)).toBe(false);
    expect(buildShowsTty(['--progress', 'plain', '--', '--progress=tty'], no, noCI)).toBe(false);
    expect(buildShowsTty(['.'], yes, noCI)).toBe(true);
  });

  it('looks at the terminal only when the display depends on it', () => {
    const never = () => {
      throw new Error('looked at the terminal');
    };
    expect(pickBundle(['run', 'x'], true, never, noCI)).toBe('run.cjs');
    expect(pickBundle(['build', '-q', '.'], true, never, noCI)).toBe('build.cjs');
    expect(pickBundle(['build', '--progress', 'plain', '.'], true, never, noCI)).toBe('build.cjs');
    expect(pickBundle(['build', '.'], true, never, { CI: 'true' })).toBe('build.cjs');
    expect(pickBundle(['build', '--progress', 'tty', '.'], true, never, noCI)).toBeUndefined();
  });
});
