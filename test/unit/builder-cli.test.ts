// `tsbuild build` flag handling: bad flags are usage errors (exit 2) before
// anything is built; a bad Boxfile is exit 2 with its position.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-cli-build-'));
writeFileSync(path.join(dir, 'Boxfile'), 'FROM scratch\nCOPY Boxfile /\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(c, _e, cb) {
        f(String(c));
        cb();
      },
    });
  const code = await main(['--root', path.join(dir, 'store'), ...argv], { stdout: sink(() => undefined), stderr: sink((s) => (err += s)), cwd: dir, env: { CI: '1' } });
  return { code, err };
}

describe('tsbuild build flags', () => {
  it.each([
    [['build', '--progress', 'fancy', '.'], /--progress must be auto, tty, plain or json/],
    [['build', '--network', 'bridge0', '.'], /--network must be default, none or host/],
    [['build'], /build takes exactly one CONTEXT folder/],
    [['build', 'a', 'b'], /build takes exactly one CONTEXT folder, got: a b/],
    [['build', '--secret', 'id=x', '.'], /give src=PATH or env=VAR/],
    [['build', '--secret', 'src=/etc/hostname', '.'], /id=ID is needed/],
    [['build', '-o', 'type=zip,dest=x', '.'], /type must be oci, docker, local or tar/],
    [['build', '-o', 'type=tar', '.'], /dest=PATH is needed/],
    [['build', '--label', 'novalue', '.'], /want KEY=VALUE/],
    [['build', '--bogus', '.'], /unknown flag: --bogus/],
    [['build', 'missing-dir'], /build context missing-dir is not a folder/],
    [['-f', 'Nope', '.'], /cannot read Nope: no such file/],
  ])('%j → exit 2', async (argv, message) => {
    const r = await run(argv as string[]);
    expect(r.err).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('a bad Boxfile is exit 2 with FILE:LINE:COL', async () => {
    writeFileSync(path.join(dir, 'Bad'), 'FROM scratch\nCOPY\n');
    const r = await run(['-f', 'Bad', '.']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Bad:2:1: /);
  });
});
