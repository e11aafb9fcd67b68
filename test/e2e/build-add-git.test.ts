// ADD of a git repository, served by `git daemon` on 127.0.0.1: checked out
// at the commit its ref names (tag, branch, #ref:subdir), without .git unless
// --keep-git-dir; keyed by that commit, so a rebuild hits until the branch
// moves, and then only the ADD of that branch (and what follows) runs again.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { cachedSteps, cleanupBusybox, ensureNative, makeStore, type TestStore } from './build-helpers.js';

const hasGit = (() => {
  try {
    execFileSync('git', ['daemon', '--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const why = missing('root', 'overlay', 'unshare', 'busybox') ?? (hasGit ? undefined : 'needs git with git daemon (apt-get install git)');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });

describe.skipIf(!!why)('build: ADD git repositories', () => {
  let s: TestStore;
  let daemon: ChildProcess | undefined;
  let port = 0;
  let work = '';
  let ctx = '';
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2020-01-01T00:00:00Z' };
  const git = (...argv: string[]) => execFileSync('git', ['-C', work, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

  beforeAll(async () => {
    ensureNative();
    s = await makeStore();
    const served = path.join(s.tmp, 'served');
    work = path.join(served, 'repo.git');
    mkdirSync(path.join(work, 'sub'), { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'main', work], { env });
    writeFileSync(path.join(work, 'a.txt'), 'a v1\n');
    writeFileSync(path.join(work, 'sub', 'b.txt'), 'b v1\n');
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    git('tag', 'v1');
    port = await freePort();
    daemon = spawn('git', ['daemon', '--export-all', '--reuseaddr', '--listen=127.0.0.1', `--port=${port}`, `--base-path=${served}`, served], { stdio: 'ignore', env });
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync('git', ['ls-remote', `git://127.0.0.1:${port}/repo.git`], { stdio: 'ignore', env });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    ctx = path.join(s.tmp, 'ctx');
    mkdirSync(ctx);
    const url = `git://127.0.0.1:${port}/repo.git`;
    writeFileSync(
      path.join(ctx, 'Boxfile'),
      `FROM busybox\nADD ${url}#v1 /tagged/\nADD ${url}#main:sub /sub\nADD --keep-git-dir ${url} /kept/\nRUN ls -a /tagged /sub > /listing && cat /proc/sys/kernel/random/uuid > /stamp\n`,
    );
  });
  afterAll(() => {
    if (daemon?.pid && daemon.pid > 1 && daemon.exitCode === null) daemon.kill('SIGTERM');
    s?.cleanup();
    cleanupBusybox();
  });

  it('checks out the tag, the branch subdir and the default branch (with .git only when asked)', async () => {
    const r = await s.build(['-t', 'git:1', ctx]);
    expect(r.code, r.stderr).toBe(0);
    expect(await s.file('git:1', '/tagged/a.txt')).toBe('a v1\n');
    expect(await s.file('git:1', '/tagged/sub/b.txt')).toBe('b v1\n');
    expect(await s.file('git:1', '/sub/b.txt')).toBe('b v1\n');
    expect(await s.file('git:1', '/listing')).not.toMatch(/\.git/);
    expect(await s.file('git:1', '/kept/a.txt')).toBe('a v1\n');
    expect(await s.file('git:1', '/kept/.git/HEAD')).toBeDefined();
  });

  it('a rebuild hits; a moved branch re-runs only the ADDs of that branch and what follows', async () => {
    const again = await s.build(['-t', 'git:2', ctx]);
    expect(again.code, again.stderr).toBe(0);
    expect(cachedSteps(again.stderr)).toHaveLength(4);
    writeFileSync(path.join(work, 'sub', 'b.txt'), 'b v2\n');
    git('commit', '-q', '-am', 'two');
    const moved = await s.build(['-t', 'git:3', ctx]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(cachedSteps(moved.stderr)).toEqual([expect.stringMatching(/ADD git:\/\/.*#v1 \/tagged\/$/)]);
    expect(await s.file('git:3', '/sub/b.txt')).toBe('b v2\n');
    expect(await s.file('git:3', '/tagged/sub/b.txt')).toBe('b v1\n');
    expect(await s.file('git:3', '/stamp')).not.toBe(await s.file('git:1', '/stamp'));
  });

  it('a ref the repository does not have names the Boxfile line', async () => {
    const bad = path.join(s.tmp, 'bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'Boxfile'), `FROM busybox\nADD git://127.0.0.1:${port}/repo.git#nope /x/\n`);
    const r = await s.build([bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Boxfile:2:1: ADD git:\/\/127\.0\.0\.1:\d+\/repo\.git#nope: the repository has no ref 'nope'/);
  });
});
