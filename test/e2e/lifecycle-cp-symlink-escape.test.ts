// cp between the host and a container, running or stopped, and the
// regression named after what it stops: a container's symlinks must never
// lead a copy out of the container's root (docker cp CVE-2019-14271 /
// CVE-2018-15664 class).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { tsb, until } from './lifecycle-harness.js';
import { makeHarness, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('cp: both ways, and no symlink escape (CVE-2019-14271 class)', () => {
  let h: Harness;
  let id = '';
  // a host directory whose path the container's links name
  let hostDir = '';
  beforeAll(async () => {
    h = makeHarness();
    hostDir = path.join(h.tmp, 'hostside');
    mkdirSync(hostDir);
    writeFileSync(path.join(hostDir, 'secret'), 'host secret\n');
    writeFileSync(path.join(hostDir, 'target'), 'host target\n');
    const script = [
      `mkdir -p ${hostDir} /data/sub`,
      `echo container secret > ${hostDir}/secret`,
      'echo one > /data/one; echo two > /data/sub/two; ln -s /etc/passwd /data/link',
      `ln -s ${hostDir} /abs`,
      `ln -s ../../../../../../../../..${hostDir} /data/rel`,
      `ln -s ${hostDir}/target /victim`,
      'touch /ready; exec sleep 1000',
    ].join('; ');
    const r = await tsb(h, ['run', '-d', '--network', 'none', '--rootfs', h.rootfs.dir, 'sh', '-c', script]);
    expect(r.code, r.stderr).toBe(0);
    id = r.stdout.trim();
    await until(async () => (await tsb(h, ['exec', id, 'test', '-e', '/ready'])).code === 0);
  });
  afterAll(async () => {
    if (id) await tsb(h, ['rm', '-f', id]);
    h?.cleanup();
  });

  it('copies a directory tree out (links as links) and a file in', async () => {
    const out = path.join(h.tmp, 'out');
    mkdirSync(out);
    expect((await tsb(h, ['cp', `${id.slice(0, 12)}:/data`, out])).code).toBe(0);
    expect(readFileSync(path.join(out, 'data/one'), 'utf8')).toBe('one\n');
    expect(readFileSync(path.join(out, 'data/sub/two'), 'utf8')).toBe('two\n');
    expect(existsSync(path.join(out, 'data/link'))).toBe(true);
    const f = path.join(h.tmp, 'in.txt');
    writeFileSync(f, 'from host\n');
    expect((await tsb(h, ['cp', f, `${id}:/data/sub`])).code).toBe(0);
    expect((await tsb(h, ['exec', id, 'cat', '/data/sub/in.txt'])).stdout).toBe('from host\n');
  });

  it('an absolute or relative container link is resolved inside the container on the way out', async () => {
    const a = path.join(h.tmp, 'a.txt');
    expect((await tsb(h, ['cp', `${id}:/abs/secret`, a])).code).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe('container secret\n');
    const b = path.join(h.tmp, 'b.txt');
    expect((await tsb(h, ['cp', `${id}:/data/rel/secret`, b])).code).toBe(0);
    expect(readFileSync(b, 'utf8')).toBe('container secret\n');
  });

  it('a copy into the container never writes through a link to the host', async () => {
    const f = path.join(h.tmp, 'payload');
    writeFileSync(f, 'payload\n');
    // a link as the destination itself
    expect((await tsb(h, ['cp', f, `${id}:/victim`])).code).toBe(0);
    expect(readFileSync(path.join(hostDir, 'target'), 'utf8')).toBe('host target\n');
    // a link as a parent directory
    expect((await tsb(h, ['cp', f, `${id}:/abs/dropped`])).code).toBe(0);
    expect(existsSync(path.join(hostDir, 'dropped'))).toBe(false);
    expect((await tsb(h, ['exec', id, 'cat', `${hostDir}/dropped`])).stdout).toBe('payload\n');
    expect(readFileSync(path.join(hostDir, 'secret'), 'utf8')).toBe('host secret\n');
    rmSync(f);
  });

  it('the same holds for a stopped container (its layers mounted on the host for the copy)', async () => {
    expect((await tsb(h, ['stop', '-t', '0', id])).code).toBe(0);
    const a = path.join(h.tmp, 'a-stopped.txt');
    const out = await tsb(h, ['cp', `${id}:/abs/secret`, a]);
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe('container secret\n');
    const b = path.join(h.tmp, 'b-stopped.txt');
    expect((await tsb(h, ['cp', `${id}:/data/rel/secret`, b])).code).toBe(0);
    expect(readFileSync(b, 'utf8')).toBe('container secret\n');
    const f = path.join(h.tmp, 'payload2');
    writeFileSync(f, 'payload2\n');
    expect((await tsb(h, ['cp', f, `${id}:/victim`])).code).toBe(0);
    expect((await tsb(h, ['cp', f, `${id}:/abs/dropped2`])).code).toBe(0);
    expect(readFileSync(path.join(hostDir, 'target'), 'utf8')).toBe('host target\n');
    expect(existsSync(path.join(hostDir, 'dropped2'))).toBe(false);
    expect(readFileSync(path.join(hostDir, 'secret'), 'utf8')).toBe('host secret\n');
    // what went in is in the container's upper dir, at the container's paths
    const upper = path.join(h.root, 'containers', id, 'upper');
    expect(readFileSync(path.join(upper, hostDir, 'dropped2'), 'utf8')).toBe('payload2\n');
    // (/victim is a link to HOSTDIR/target: followed inside the container's root)
    expect(readFileSync(path.join(upper, hostDir, 'target'), 'utf8')).toBe('payload2\n');
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('tsbuild-root-');
  });
});
