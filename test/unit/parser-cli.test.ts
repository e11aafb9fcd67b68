// tsbuild parse and tsbuild graph through the real dispatcher.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const repo = path.resolve(new URL('../..', import.meta.url).pathname);
const tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-parse-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[], cwd = repo): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += String(c)));
  stderr.on('data', (c) => (err += String(c)));
  const code = await main(argv, { stdout, stderr, cwd, env: {} });
  return { code, out, err };
}

describe('tsbuild parse', () => {
  it('prints the typed instructions as JSON', async () => {
    const r = await run(['parse', '-f', 'fixtures/boxfiles/multistage.Boxfile']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.file).toBe('fixtures/boxfiles/multistage.Boxfile');
    expect(j.stages.map((s: { name: string }) => s.name)).toEqual(['base', 'deps', 'tools', 'build', 'docs', 'final']);
    expect(j.instructions[2]).toMatchObject({ kind: 'from', image: { text: '${BASE}' }, range: { start: { line: 5, column: 1 } } });
  });

  it('prints the BuildKit dump', async () => {
    const r = await run(['parse', '--format', 'dump', '-f', 'fixtures/boxfiles/multistage.Boxfile']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('(arg "BASE=busybox")');
    expect(r.out).toContain('(copy ["--link" "--chown=1000:1000"] "<<EOF" "/hello.txt")\n');
  });

  it('dump accepts unknown instructions that json refuses', async () => {
    writeFileSync(path.join(tmp, 'Dockerfile'), 'FROM a\nFOO bar\n');
    const dump = await run(['parse', '--format=dump', tmp]);
    expect(dump.out).toBe('(from "a")\n(foo "")\n');
    const json = await run(['parse', tmp]);
    expect(json.code).toBe(2);
    expect(json.err).toBe(`tsbuild: ${path.join(tmp, 'Dockerfile')}: 1 error\n${path.join(tmp, 'Dockerfile')}:2:1: unknown instruction: FOO\n  FOO bar\n  ^\n`);
  });

  it('prefers Boxfile over Dockerfile in the context folder, and shows the path as given', async () => {
    writeFileSync(path.join(tmp, 'Boxfile'), 'FROM boxfile\n');
    writeFileSync(path.join(tmp, 'Dockerfile'), 'FROM dockerfile\n');
    expect((await run(['parse', '--format', 'dump'], tmp)).out).toBe('(from "boxfile")\n');
    rmSync(path.join(tmp, 'Boxfile'));
    expect((await run(['parse', '--format', 'dump'], tmp)).out).toBe('(from "dockerfile")\n');
    const r = await run(['parse', '-f', './Dockerfile', '--format', 'dump'], tmp);
    expect(r.out).toBe('(from "dockerfile")\n');
    writeFileSync(path.join(tmp, 'bad'), 'FROM a\nCOPY x\n');
    const bad = await run(['parse', '-f', './bad'], tmp);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('./bad:2:6: COPY needs a source and a destination');
  });

  it('reports every error at once and exits 2', async () => {
    const r = await run(['parse', '-f', 'fixtures/invalid/many-errors.Boxfile']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n')[0]).toBe('tsbuild: fixtures/invalid/many-errors.Boxfile: 10 errors');
    expect(r.err.match(/^fixtures\/invalid\/many-errors\.Boxfile:\d+:\d+: /gm)).toHaveLength(10);
  });

  it('json also checks the stages: a cycle exits 2', async () => {
    const r = await run(['parse', '-f', 'fixtures/invalid/cycle.Boxfile']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('fixtures/invalid/cycle.Boxfile:2:6: stages depend on each other in a cycle: b -> a -> b');
  });

  it('usage errors exit 2', async () => {
    expect((await run(['parse', '--format', 'yaml', '-f', 'fixtures/boxfiles/multistage.Boxfile'])).code).toBe(2);
    const missing = await run(['parse', '-f', 'nope/Boxfile']);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe('tsbuild: cannot read nope/Boxfile: no such file\n');
    const none = await run(['parse', path.join(tmp, 'empty-dir-that-does-not-exist')]);
    expect(none.err).toContain('no Boxfile or Dockerfile in');
  });

  it('--help', async () => {
    const r = await run(['parse', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: tsbuild parse [-f FILE] [--format json|dump] [CONTEXT]');
  });
});

describe('tsbuild graph', () => {
  it('prints a tree, honouring --target and --build-arg', async () => {
    const r = await run(['graph', '-f', 'fixtures/boxfiles/multistage.Boxfile', '--target', 'tools', '--build-arg', 'BASE=alpine']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'tools (FROM stage base, 1 instruction, line 12)',
        '└── FROM base (FROM alpine, 1 instruction, line 5)',
        '',
        'Build order (stages on one line can run in parallel):',
        '  1. base',
        '  2. tools',
        '',
      ].join('\n'),
    );
  });

  it('prints DOT', async () => {
    const r = await run(['graph', '-f', 'fixtures/boxfiles/multistage.Boxfile', '--format', 'dot']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('"final" -> "build" [label="copy"];');
  });

  it('an unknown target or a cycle exits 2', async () => {
    const t = await run(['graph', '-f', 'fixtures/boxfiles/multistage.Boxfile', '--target', 'nope']);
    expect(t.code).toBe(2);
    expect(t.err).toContain("target stage 'nope' could not be found");
    const c = await run(['graph', '-f', 'fixtures/invalid/cycle.Boxfile']);
    expect(c.code).toBe(2);
    expect(c.err).toContain('fixtures/invalid/cycle.Boxfile:2:6: stages depend on each other in a cycle: b -> a -> b');
  });

  it('--help', async () => {
    const r = await run(['graph', '--help']);
    expect(r.out).toContain('--build-arg NAME=VALUE');
    expect(readFileSync(path.join(repo, 'src/cli/registry.ts'), 'utf8')).toContain("graph: async () =>");
  });
});
