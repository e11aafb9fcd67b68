// The bundled CLI as users start it: dist/tsbuild.js, the launcher, sends
// `run` to the one-file run bundle (dist/run.cjs, through its V8 code cache),
// a build without the TTY display to the build bundle (dist/build.cjs, the
// same way), a build that shows it to the code-split build (dist/cli.mjs),
// and every other command to the bundle of all commands (dist/cli.cjs).
// Built afresh here, so the test covers the current source.
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
    // the real launcher beside stand-ins that say which one was loaded
    tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-launcher-'));
    copyFileSync(path.join(dist, 'tsbuild.js'), path.join(tmp, 'tsbuild.js'));
    copyFileSync(path.join(dist, 'package.json'), path.join(tmp, 'package.json'));
    writeFileSync(path.join(tmp, 'run.cjs'), "module.exports = { cli: async (argv) => { process.stdout.write('run bundle: ' + argv.join(' ')); } };\n");
    // a code cache made for another file: its stamp does not fit, the file itself runs
    copyFileSync(path.join(dist, 'run.cjs.v8cache'), path.join(tmp, 'run.cjs.v8cache'));
    writeFileSync(path.join(tmp, 'build.cjs'), "module.exports = { cli: async (argv) => { process.stdout.write('build bundle: ' + argv.join(' ')); } };\n");
    writeFileSync(path.join(tmp, 'cli.cjs'), "module.exports = { cli: async (argv) => { process.stdout.write('cli bundle: ' + argv.join(' ')); } };\n");
    writeFileSync(path.join(tmp, 'cli.mjs'), "export async function cli(argv) { process.stdout.write('split build: ' + argv.join(' ')); }\n");
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each([
    [['run', 'busybox', 'true'], 'run bundle: run busybox true'],
    [['--root', '/x', '--debug', 'run', '--rm', 'busybox'], 'run bundle: --root /x --debug run --rm busybox'],
    [['images'], 'cli bundle: images'],
    [['--root=/x', 'ps', 'run'], 'cli bundle: --root=/x ps run'],
    [['--version'], 'cli bundle: --version'],
    [['-f', 'Boxfile', '.'], 'build bundle: -f Boxfile .'],
    [['--root', '/x', 'build', '--progress', 'plain', '-t', 'a', '.'], 'build bundle: --root /x build --progress plain -t a .'],
    [['build', '--progress', 'tty', '.'], 'split build: build --progress tty .'],
    [['help', 'build'], 'cli bundle: help build'],
    [['app'], 'cli bundle: app'],
  ])('%j → %s', (args, expected) => {
    const r = tsbuild(args, path.join(tmp, 'tsbuild.js'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(expected);
  });

  it.each(['run.cjs', 'build.cjs', 'cli.cjs'])('the build made a code cache stamped for this node and %s', (bundle) => {
    const head = readFileSync(path.join(dist, `${bundle}.v8cache`)).subarray(0, 200).toString('latin1').split('\n')[0];
    expect(head).toMatch(new RegExp(`^tsbuild-code-cache ${process.version} ${process.arch} \\d+ [\\d.]+$`));
  });

  it('the build bundle holds no TTY display, no ink and no react', () => {
    const text = readFileSync(path.join(dist, 'build.cjs'), 'utf8');
    expect(text).toContain('the TTY display is not in dist/build.cjs');
    expect(text).not.toMatch(/require\("(ink|react)"\)/);
    // execa and fast-glob from one file each (dist/vendor/), not node_modules
    expect(text).toContain('require("./vendor/execa.cjs")');
    expect(text).not.toContain('require("execa")');
  });
});

describe.skipIf(!!why)('tsbuild run and build from the bundles', () => {
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

  it('builds from dist (build.cjs) with and without the verb: the cached rebuild gives the same image, which runs', () => {
    const ctxDir = path.join(tmp, 'ctx');
    mkdirSync(ctxDir);
    writeFileSync(path.join(ctxDir, 'hello.txt'), 'hello from the build bundle\n');
    writeFileSync(path.join(ctxDir, 'Boxfile'), 'FROM bundle-bb:1\nCOPY hello.txt /hello.txt\nRUN cat /proc/sys/kernel/random/uuid > /stamp\nCMD ["cat", "/hello.txt", "/stamp"]\n');
    const first = tsbuild(['--root', root, 'build', '--progress', 'plain', '--network', 'none', '-t', 'bundle-built:1', ctxDir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    expect(first.stderr).not.toContain('CACHED');
    const again = tsbuild(['--root', root, '-f', path.join(ctxDir, 'Boxfile'), '--progress=plain', '--network', 'none', '-t', 'bundle-built:1', ctxDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr.match(/CACHED/g)?.length).toBe(2);
    const out = tsbuild(['--root', root, 'run', '--rm', '--network', 'none', 'bundle-built:1']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^hello from the build bundle\n[0-9a-f-]{36}\n$/);
    const bad = tsbuild(['--root', root, 'build', '--progress', 'plain', '-f', path.join(tmp, 'no-such-Boxfile'), ctxDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no-such-Boxfile');
    expect(leftovers()).toEqual({ containers: [], mounts: [] });
  });
});
