import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { runFlags, toRunOptions } from '../../src/runtime/run-options.js';
import { buildSpec, DEFAULT_PATH, resolveArgv, resolveEnv, type ImageRunConfig } from '../../src/runtime/spec.js';

const ID = 'abcdef0123456789'.repeat(4);
const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n';
const group = 'root:x:0:\nwheel:x:10:app\nstaff:x:50:app,other\napp:x:1000:\n';

function spec(argv: string[], image: ImageRunConfig = { Cmd: ['/bin/sh'] }, hostEnv: Record<string, string> = {}) {
  const options = toRunOptions(parseArgs(argv, runFlags, { stopAtPositional: true }));
  return buildSpec({ id: ID, imageName: 'img', image, options, passwd, group, hostEnv });
}

describe('Entrypoint/Cmd combination (Docker rules)', () => {
  const cases: [string, ImageRunConfig, string | undefined, string[], string[]][] = [
    ['Cmd only', { Cmd: ['sh', '-c', 'x'] }, undefined, [], ['sh', '-c', 'x']],
    ['run args replace Cmd', { Cmd: ['sh'] }, undefined, ['echo', 'hi'], ['echo', 'hi']],
    ['Entrypoint + Cmd', { Entrypoint: ['/ep'], Cmd: ['a'] }, undefined, [], ['/ep', 'a']],
    ['Entrypoint + run args', { Entrypoint: ['/ep'], Cmd: ['a'] }, undefined, ['b'], ['/ep', 'b']],
    ['Entrypoint only', { Entrypoint: ['/ep', 'x'] }, undefined, [], ['/ep', 'x']],
    ['--entrypoint drops image Cmd', { Entrypoint: ['/ep'], Cmd: ['a'] }, '/other', [], ['/other']],
    ['--entrypoint + run args', { Entrypoint: ['/ep'], Cmd: ['a'] }, '/other', ['b', 'c'], ['/other', 'b', 'c']],
    ["--entrypoint '' keeps image Cmd", { Entrypoint: ['/ep'], Cmd: ['a'] }, '', [], ['a']],
    ["--entrypoint '' + run args", { Entrypoint: ['/ep'], Cmd: ['a'] }, '', ['b'], ['b']],
    ['null fields', { Entrypoint: null, Cmd: null }, undefined, ['x'], ['x']],
    ['shell-form Entrypoint ignores args as Docker does (args appended)', { Entrypoint: ['/bin/sh', '-c', 'echo hi'] }, undefined, ['x'], ['/bin/sh', '-c', 'echo hi', 'x']],
  ];
  for (const [name, image, ep, cmd, want] of cases) {
    it(name, () => expect(resolveArgv(image, ep, cmd)).toEqual(want));
  }
  it('no command at all is a usage error naming the image', () => {
    expect(() => spec(['img'], { Cmd: null })).toThrow(/no command specified: img/);
  });
});

describe('environment', () => {
  it('adds the default PATH, HOSTNAME and HOME', () => {
    const s = spec(['img']);
    expect(s.env).toEqual([`PATH=${DEFAULT_PATH}`, `HOSTNAME=${ID.slice(0, 12)}`, 'HOME=/root']);
  });
  it('image PATH replaces the default in place; -e wins over the image; TERM with -t', () => {
    const s = spec(['-t', '-e', 'A=2', '-e', 'B', '-e', 'C', 'img'], { Cmd: ['x'], Env: ['PATH=/opt/bin', 'A=1'] }, { B: 'host' });
    expect(s.env).toEqual(['PATH=/opt/bin', `HOSTNAME=${ID.slice(0, 12)}`, 'TERM=xterm', 'A=2', 'B=host', 'HOME=/root']);
  });
  it('HOME given by the user is kept; HOME for a uid without passwd entry is /', () => {
    expect(spec(['-e', 'HOME=/x', 'img']).env).toContain('HOME=/x');
    expect(spec(['-u', '4242', 'img']).env).toContain('HOME=/');
    expect(spec(['-u', 'app', 'img']).env).toContain('HOME=/home/app');
  });
  it('resolveEnv keeps the first position of a replaced key', () => {
    expect(resolveEnv({ imageEnv: ['X=1', 'Y=1'], userEnv: ['X=2'], hostname: 'h', tty: false, home: '/' })).toEqual([
      `PATH=${DEFAULT_PATH}`,
      'HOSTNAME=h',
      'X=2',
      'Y=1',
      'HOME=/',
    ]);
  });
});

describe('spec fields', () => {
  it('workdir: flag, image, default /', () => {
    expect(spec(['img']).cwd).toBe('/');
    expect(spec(['img'], { Cmd: ['x'], WorkingDir: '/srv/app/' }).cwd).toBe('/srv/app');
    expect(spec(['-w', '/tmp/../var', 'img'], { Cmd: ['x'], WorkingDir: '/srv' }).cwd).toBe('/var');
  });
  it('hostname defaults to the first 12 hex of the id', () => {
    expect(spec(['img']).hostname).toBe('abcdef012345');
    expect(spec(['--hostname', 'box', 'img']).hostname).toBe('box');
  });
  it('user from flag over image User; root gets Docker caps, others none effective', () => {
    const root = spec(['img']);
    expect(root.user.uid).toBe(0);
    expect(root.capabilities.effective.toString(16)).toBe('a80425fb');
    const app = spec(['img'], { Cmd: ['x'], User: 'app' });
    expect([app.user.uid, app.user.gid, app.user.additionalGids]).toEqual([1000, 1000, [10, 50]]);
    expect(app.capabilities.effective).toBe(0n);
    expect(app.capabilities.bounding.toString(16)).toBe('a80425fb');
  });
  it('--privileged turns seccomp off; --security-opt choices pass through', () => {
    expect(spec(['--privileged', 'img']).seccomp).toEqual({ kind: 'unconfined' });
    const s = spec(['--security-opt', 'seccomp=/x.json', '--security-opt', 'no-new-privileges', 'img']);
    expect(s.seccomp).toEqual({ kind: 'file', path: '/x.json' });
    expect(s.noNewPrivileges).toBe(true);
  });
  it('stop signal from the image', () => {
    expect(spec(['img'], { Cmd: ['x'], StopSignal: 'SIGQUIT' }).stopSignal).toBe('SIGQUIT');
  });
});
