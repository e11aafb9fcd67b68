// The bundled CLI as users start it: dist/tsbuild.js, the launcher, sends
// `run` to the one-file run bundle (dist/run.cjs, through its V8 code cache)
// and every other command to the code-split build (dist/cli.js). Built
// afresh here, so the test covers the current source.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { missing } from '../helpers/requires.js';
import { ensureNative, repo } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');
const dist = path.join(repo, 'dist');

function tsbuild(args: string[], entry = path.join(dist, 'tsbuild.js')): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the launcher picks the bundle by command', () => {
  let tmp: string;
  beforeAll(() => {
    ensureNative();
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
    // the real launcher beside two stand-ins that say which one was loaded
    tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-launcher-'));
    copyFileSync(path.join(dist, 'tsbuild.js'), path.join(tmp, 'tsbuild.js'));
    writeFileSync(path.join(tmp, 'run.cjs'), "module.exports = { cli: async (argv) => { process.stdout.write('run bundle: ' + argv.join(' ')); } };\n");
    // a code cache made for another file: its stamp does not fit, the file itself runs
    copyFileSync(path.join(dist, 'run.cjs.v8cache'), path.join(tmp, 'run.cjs.v8cache'));
    writeFileSync(path.join(tmp, 'cli.js'), "export async function cli(argv) { process.stdout.write('split build: ' + argv.join(' ')); }\n");
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each([
    [['run', 'busybox', 'true'], 'run bundle: run busybox true'],
    [['--root', '/x', '--debug', 'run', '--rm', 'busybox'], 'run bundle: --root /x --debug run --rm busybox'],
    [['images'], 'split build: images'],
    [['--root=/x', 'ps', 'run'], 'split build: --root=/x ps run'],
    [['--version'], 'split build: --version'],
    [['-f', 'Boxfile', '.'], 'split build: -f Boxfile .'],
  ])('%j → %s', (args, expected) => {
    const r = tsbuild(args, path.join(tmp, 'tsbuild.js'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(expected);
  });

  it('the build made a code cache stamped for this node and this run.cjs', () => {
    const head = readFileSync(path.join(dist, 'run.cjs.v8cache')).subarray(0, 200).toString('latin1').split('\n')[0];
    expect(head).toMatch(new RegExp(`^tsbuild-code-cache ${process.version} ${process.arch} \\d+ [\\d.]+$`));
  });
});

describe.skipIf(!!why)('tsbuild run from the bundle', () => {
  let bb: BusyboxRootfs;
  let tmp: string;
  let root: string;
  beforeAll(() => {
    bb = makeBusyboxRootfs({ tar: true });
    tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-run-bundle-'));
    root = path.join(tmp, 'root');
    mkdirSync(root);
    const imported = tsbuild(['--root', root, 'import', bb.tar as string, 'bundle-bb:1']);
    expect(imported.code, imported.stderr).toBe(0);
  });
  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
    bb?.cleanup();
  });

  const leftovers = () => ({
    containers: readdirSync(path.join(root, 'containers')).filter((n) => !n.startsWith('.')),
    mounts: readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(tmp) || l.includes(path.dirname(bb.dir))),
  });

  it('runs an image: output and exit status passed through, nothing left behind', () => {
    const r = tsbuild(['--root', root, 'run', '--rm', '--network', 'none', 'bundle-bb:1', '/bin/sh', '-c', 'echo "pid $$ on $(hostname)"; exit 3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^pid 1 on [0-9a-f]{12}\n$/);
    expect(leftovers()).toEqual({ containers: [], mounts: [] });
  });

  it('a --rootfs run, a command not found (127), and an unknown image (125) with its message', () => {
    expect(tsbuild(['--root', root, 'run', '--rm', '--network', 'none', '--rootfs', bb.dir, '/bin/true']).code).toBe(0);
    const nf = tsbuild(['--root', root, 'run', '--rm', '--network', 'none', 'bundle-bb:1', 'no-such-command']);
    expect(nf.code).toBe(127);
    expect(nf.stderr).toContain('exec: no-such-command: not found');
    // not in the store, and its registry (a closed port on loopback) refuses the pull
    const unknown = tsbuild(['--root', root, 'run', '--rm', '127.0.0.1:9/no-such-image:1', 'true']);
    expect(unknown.code, unknown.stderr).toBe(125);
    expect(unknown.stderr).toMatch(/^tsbuild: .*no-such-image/);
    expect(leftovers()).toEqual({ containers: [], mounts: [] });
  });
});
