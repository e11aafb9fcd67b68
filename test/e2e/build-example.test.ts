// The README's first command: examples/hello/run.sh makes the busybox base
// image, builds the example with the bundled CLI and runs it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { ensureNative, repo } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('examples/hello/run.sh', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'tsbuild-e2e-example-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('builds and runs the example', () => {
    ensureNative();
    if (!existsSync(path.join(repo, 'dist', 'tsbuild.js'))) execFileSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
    const out = execFileSync('bash', [path.join(repo, 'examples', 'hello', 'run.sh')], {
      env: { ...process.env, TSBUILD_ROOT: path.join(root, 'store'), CI: '1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toContain('Hello, world! This image was built by tsbuild, without a daemon.');
    expect(out).toContain('I am app, in /app, on Linux.');
    expect(out).toMatch(/^sha256:[a-f0-9]{64}$/m);
  });
});
