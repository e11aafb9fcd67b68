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
  it.each([
    [['run', 'busybox'], 'run.cjs'],
    [['--root', '/x', 'run', '--rm', 'busybox'], 'run.cjs'],
    [['build', '-t', 'x', '.'], 'build.cjs'],
    [['-f', 'Boxfile', '.'], 'build.cjs'],
    [['--root=/x', '.'], 'build.cjs'],
    [['images'], undefined],
    [['ps', 'run'], undefined],
    [['--version'], undefined],
    [['help', 'build'], undefined],
    [['app'], undefined],
  ])('%j without a TTY → %s', (argv, expected) => {
    expect(pickBundle(argv, true, false, noCI)).toBe(expected);
  });

  it('node without require(esm) always loads the split build', () => {
    expect(pickBundle(['run', 'busybox'], false, false, noCI)).toBeUndefined();
    expect(pickBundle(['build', '.'], false, false, noCI)).toBeUndefined();
  });

  it('a build that shows the TTY display (ink) loads the split build', () => {
    expect(pickBundle(['build', '.'], true, true, noCI)).toBeUndefined();
    expect(pickBundle(['-f', 'Boxfile', '.'], true, true, noCI)).toBeUndefined();
    expect(pickBundle(['build', '--progress', 'tty', '.'], true, false, noCI)).toBeUndefined();
    // on a TTY but no display: plain, json, quiet, or CI set
    expect(pickBundle(['build', '--progress=plain', '.'], true, true, noCI)).toBe('build.cjs');
    expect(pickBundle(['build', '--progress', 'json', '.'], true, true, noCI)).toBe('build.cjs');
    expect(pickBundle(['build', '-q', '.'], true, true, noCI)).toBe('build.cjs');
    expect(pickBundle(['build', '.'], true, true, { CI: '1' })).toBe('build.cjs');
  });

  it('reads --progress as the build does: the last one wins, nothing after --', () => {
    expect(buildShowsTty(['--progress', 'plain', '--progress=tty', '.'], false, noCI)).toBe(true);
    expect(buildShowsTty(['--progress=tty', '--progress', 'plain', '.'], false, noCI)).toBe(false);
    expect(buildShowsTty(['--progress', 'plain', '--', '--progress=tty'], false, noCI)).toBe(false);
    expect(buildShowsTty(['.'], true, noCI)).toBe(true);
  });
});
