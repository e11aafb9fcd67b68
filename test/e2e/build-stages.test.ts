// Multi-stage builds: only what the target needs runs (an unused failing
// stage never does), COPY --from with --chown names from the stage's
// /etc/passwd, --chmod, --exclude, --parents, heredoc files and scripts, ADD
// of a local tar, secret mounts kept out of layers, a persistent cache
// mount, --target, --build-arg, -o outputs, --iidfile and --trace.
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { cleanupBusybox, ensureNative, makeStore, type TestStore } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

function grepBlobs(root: string, needle: string): string[] {
  const dir = path.join(root, 'image', 'blobs', 'sha256');
  return readdirSync(dir).filter((f) => readFileSync(path.join(dir, f)).includes(needle));
}

describe.skipIf(!!why)('build: stages, COPY/ADD flags, mounts, outputs', () => {
  let s: TestStore;
  let ctx: string;
  let secret: string;
  beforeAll(async () => {
    ensureNative();
    s = await makeStore();
    ctx = s.context('multistage');
    secret = path.join(s.tmp, 'token.txt');
    writeFileSync(secret, 's3cr3t-VALUE-42');
  });
  afterAll(() => {
    s?.cleanup();
    cleanupBusybox();
  });

  it('builds the final stage only from what it needs, with every COPY/ADD flag', async () => {
    const local = path.join(s.tmp, 'out-local');
    const oci = path.join(s.tmp, 'out.tar');
    const trace = path.join(s.tmp, 'trace.json');
    const iid = path.join(s.tmp, 'iid');
    const r = await s.build(['-t', 'multi:1', '--secret', `id=token,src=${secret}`, '-o', `type=local,dest=${local}`, '-o', `type=oci,dest=${oci}`, '--trace', trace, '--iidfile', iid, ctx]);
    expect(r.stderr).not.toContain('ERROR');
    expect(r.code).toBe(0);
    // the unused stages never ran (the broken one would have failed the build)
    expect(r.stderr).not.toMatch(/\[broken /);
    expect(r.stderr).not.toMatch(/\[unused /);
    expect(readFileSync(iid, 'utf8')).toBe(r.stdout.trim());

    expect(await s.file('multi:1', '/result/version')).toBe('version 1.0\n');
    expect((await s.file('multi:1', '/result/token-length'))?.trim()).toBe('15');
    expect(await s.file('multi:1', '/result/heredoc')).toBe('heredoc-script\n');
    expect(await s.file('multi:1', '/result/shebang')).toBe('shebang /dev/pipes/EOF\n');
    expect(await s.file('multi:1', '/etc/motd')).toBe('motd says hello\n');
    expect(await s.file('multi:1', '/unpacked/t/one')).toBe('one\n');
    expect(await s.file('multi:1', '/sub/keep.txt')).toBe('keep\n');
    expect(await s.file('multi:1', '/sub/drop.skip')).toBeUndefined();
    expect(await s.file('multi:1', '/parents/a/b/c.txt')).toBe('c\n');
    expect(await s.file('multi:1', '/run/secrets/token')).toBeUndefined();
    // the secret is in no blob: no layer, no config, no history
    expect(grepBlobs(s.root, 's3cr3t-VALUE-42')).toEqual([]);

    // -o type=local: the root file system, owners and modes kept
    const owned = lstatSync(path.join(local, 'owned', 'version'));
    expect([owned.uid, owned.gid, owned.mode & 0o7777]).toEqual([1000, 10, 0o640]);
    // the folder the COPY made belongs to the --chown owner, as BuildKit makes it
    const ownedDir = lstatSync(path.join(local, 'owned'));
    expect([ownedDir.uid, ownedDir.gid, ownedDir.mode & 0o7777]).toEqual([1000, 10, 0o755]);
    expect(readFileSync(path.join(local, 'result', 'version'), 'utf8')).toBe('version 1.0\n');
    expect(lstatSync(path.join(local, 'sym', 'keep.txt')).mode & 0o7777).toBe(0o744); // symbolic --chmod
    // -o type=oci: an archive that is an OCI layout and a Docker archive
    const names = execFileSync('tar', ['-tf', oci], { encoding: 'utf8' }).split('\n');
    expect(names).toEqual(expect.arrayContaining(['index.json', 'oci-layout', 'manifest.json']));
    // --trace: spans for stages and steps
    const t = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { cat: string; name: string }[] };
    expect(t.traceEvents.filter((e) => e.cat === 'stage').map((e) => e.name).sort()).toEqual(['stage builder', 'stage stage-3']);
    expect(t.traceEvents.some((e) => e.cat === 'step' && e.name.startsWith('RUN mkdir -p /out'))).toBe(true);
  });

  it('--build-arg changes what depends on it; the cache mount persists across builds', async () => {
    const r = await s.build(['-t', 'multi:2', '--build-arg', 'VERSION=2.0', '--build-arg', 'MOTD=bye', '--secret', `id=token,src=${secret}`, ctx]);
    expect(r.code).toBe(0);
    expect(await s.file('multi:2', '/result/version')).toBe('version 2.0\n');
    expect(await s.file('multi:2', '/etc/motd')).toBe('motd says bye\n');
    // the cache-mount RUN ran a second time (its parent changed) and saw the first run's file
    expect((await s.file('multi:2', '/result/cache-runs'))?.trim()).toBe('2');
    expect(await s.file('multi:2', '/var/cache/app/runs')).toBeUndefined();
  });

  it('--target builds one stage', async () => {
    const r = await s.build(['-t', 'multi:builder', '--target', 'builder', '--secret', `id=token,src=${secret}`, ctx]);
    expect(r.code).toBe(0);
    expect(await s.file('multi:builder', '/out/version')).toBe('version 1.0\n');
    expect(await s.file('multi:builder', '/etc/motd')).not.toBe('motd says hello\n');
    const bad = await s.build(['--target', 'nope', ctx]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--target nope: no such stage');
  });

  it('a required secret that was not given fails the step with its line', async () => {
    const r = await s.build(['--no-cache', '--target', 'builder', ctx]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Boxfile:10: RUN cat \/run\/secrets\/token \| wc -c > \/out\/token-length: secret 'token' is required/);
  });
});
