// The image commands through the real dispatcher (main), in-process.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { c as createTar } from 'tar';
import { main } from '../../src/cli/main.js';

let base: string;
let root: string;
let tarFile: string;

async function cli(args: string[], stdin?: Buffer): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (d: Buffer) => o.push(d));
  err.on('data', (d: Buffer) => e.push(d));
  const code = await main(['--root', root, ...args], { stdout: out, stderr: err, stdin: Readable.from(stdin ? [stdin] : []), cwd: base, env: {} });
  return { code, out: Buffer.concat(o).toString(), err: Buffer.concat(e).toString() };
}

beforeEach(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'tsbuild-cli-'));
  root = path.join(base, 'root');
  const dir = path.join(base, 'rootfs');
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  writeFileSync(path.join(dir, 'bin', 'x'), 'x');
  tarFile = path.join(base, 'rootfs.tar');
  await createTar({ cwd: dir, file: tarFile, portable: true, mtime: new Date(0) }, ['.']);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('image commands', () => {
  it('import, images, tag, inspect, history, rmi', async () => {
    const imp = await cli(['import', '--change', 'CMD ["/bin/x"]', '-c', 'LABEL a=b', 'rootfs.tar', 'one:1']);
    expect(imp.code, imp.err).toBe(0);
    const id = imp.out.trim();
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect((await cli(['tag', 'one:1', 'localhost:5000/two'])).code).toBe(0);

    const table = (await cli(['images'])).out.split('\n');
    expect(table[0]).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(table[1]).toMatch(new RegExp(`^localhost:5000/two\\s+latest\\s+${id.slice(7, 19)}\\s+\\d+ years ago\\s+[\\d.]+kB$`));
    expect(table[2]).toMatch(/^one\s+1\s+/);
    expect((await cli(['images', '-q'])).out).toBe(`${id.slice(7, 19)}\n`);
    expect((await cli(['images', 'one'])).out.split('\n')).toHaveLength(3);

    const insp = JSON.parse((await cli(['inspect', 'one:1'])).out) as Record<string, unknown>[];
    expect(insp).toHaveLength(1);
    expect(insp[0]).toMatchObject({ Id: id, RepoTags: ['one:1', 'localhost:5000/two:latest'], Architecture: 'amd64', Os: 'linux', Created: '1970-01-01T00:00:00Z', Config: { Cmd: ['/bin/x'], Labels: { a: 'b' } } });
    expect((insp[0]!.RootFS as { Type: string }).Type).toBe('layers');

    const hist = (await cli(['history', 'one:1'])).out.split('\n');
    expect(hist[1]).toMatch(new RegExp(`^${id.slice(7, 19)}\\s+\\d+ years ago\\s+tsbuild import`));

    const rm1 = await cli(['rmi', 'one:1']);
    expect(rm1.out).toBe('Untagged: one:1\n');
    const rm2 = await cli(['rmi', 'localhost:5000/two']);
    expect(rm2.out).toBe(`Untagged: localhost:5000/two:latest\nDeleted: ${id}\n`);
    expect((await cli(['images', '-q'])).out).toBe('');
    // rmi collected the blobs
    expect(readdirSync(path.join(root, 'image/blobs/sha256'))).toEqual([]);
  });

  it('rmi by ID needs -f when the image has several tags', async () => {
    const id = (await cli(['import', 'rootfs.tar', 'a:1'])).out.trim();
    await cli(['tag', 'a:1', 'b:1']);
    const refused = await cli(['rmi', id.slice(7, 19)]);
    expect(refused.code).toBe(125);
    expect(refused.err).toMatch(/tagged as a:1, b:1 \(use -f/);
    const forced = await cli(['rmi', '-f', id]);
    expect(forced.out).toBe(`Untagged: a:1\nUntagged: b:1\nDeleted: ${id}\n`);
  });

  it('errors name the image, the file and the flag', async () => {
    expect(await cli(['inspect', 'nothere'])).toMatchObject({ code: 125, err: 'tsbuild: no such image: nothere\n' });
    expect((await cli(['tag', 'nothere', 'x'])).err).toMatch(/no such image: nothere/);
    expect(await cli(['import', 'missing.tar'])).toMatchObject({ code: 2, err: expect.stringMatching(/cannot read missing\.tar: ENOENT/) });
    expect(await cli(['import', 'rootfs.tar', 'Bad:Name'])).toMatchObject({ code: 2, err: expect.stringMatching(/invalid reference 'Bad:Name': repository name must be lowercase/) });
    expect(await cli(['import', '--change', 'RUN x', 'rootfs.tar'])).toMatchObject({ code: 2, err: expect.stringMatching(/--change 'RUN x': RUN is not supported/) });
    expect((await cli(['system', 'frob'])).err).toMatch(/unknown system subcommand: frob/);
  });

  it('import and load from stdin; save to stdout; system check fails on corruption', async () => {
    const id = (await cli(['import', '-', 'in:1'], readFileSync(tarFile))).out.trim();
    const saved = path.join(base, 'saved.tar');
    const s = await cli(['save', '-o', 'saved.tar', 'in:1']);
    expect(s.code, s.err).toBe(0);
    const viaStdout = await cli(['save', 'in:1']);
    expect(Buffer.from(viaStdout.out, 'latin1').length).toBeGreaterThan(0);
    expect(execFileSync('tar', ['tf', saved], { encoding: 'utf8' })).toContain('manifest.json');

    root = path.join(base, 'root2');
    expect((await cli(['load'], readFileSync(saved))).out).toBe('Loaded image: in:1\n');
    expect(JSON.parse((await cli(['inspect', 'in:1'])).out)[0].Id).toBe(id);
    expect((await cli(['system', 'check'])).code).toBe(0);

    const layer = (JSON.parse((await cli(['inspect', 'in:1'])).out)[0].RootFS.Layers[0] as string).slice(7);
    writeFileSync(path.join(root, 'image/blobs/sha256', layer), 'corrupt');
    const bad = await cli(['system', 'check']);
    expect(bad.code).toBe(125);
    expect(bad.err).toMatch(/has 1 problem\(s\)\n  in:1: layer 0: blob sha256:[a-f0-9]{64} is corrupt/);
    const refused = await cli(['save', '-o', 'broken.tar', 'in:1']);
    expect(refused.code).toBe(125);
    expect(refused.err).toMatch(/cannot write broken\.tar: .*blobs\/sha256\/[a-f0-9]{64} is corrupt/);
    expect(existsSync(path.join(base, 'broken.tar'))).toBe(false);
    expect(readdirSync(base).filter((n) => n.startsWith('.'))).toEqual([]);

    rmSync(path.join(root, 'image/blobs/sha256', id.slice(7)));
    const listed = await cli(['images']);
    expect(listed.code).toBe(0);
    expect(listed.err).toMatch(/1 image\(s\) cannot be read and are not shown \(blob sha256:[a-f0-9]{64} is missing/);
    const worse = await cli(['system', 'check']);
    expect(worse.err).toMatch(/has 2 problem\(s\)\n  in:1: config blob sha256:[a-f0-9]{64} is missing\n  in:1: layer 0: blob sha256:[a-f0-9]{64} is corrupt/);
  });
});
