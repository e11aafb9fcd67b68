// tsbuild run IMAGE: the image store's busybox image (imported from the
// fixture tar with --change), its config respected, its unpacked layer
// shared read-only, overlay and vfs drivers.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { missing } from '../helpers/requires.js';
import { containerIds, makeHarness, ourMounts, run, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('tsbuild run IMAGE', () => {
  let h: Harness;
  let tarred: BusyboxRootfs;
  beforeAll(async () => {
    h = makeHarness();
    tarred = makeBusyboxRootfs({ tar: true });
    const quiet = { stdout: process.stderr, stderr: process.stderr };
    const imp = (ref: string, changes: string[]) =>
      main(['--root', h.root, 'import', ...changes.flatMap((c) => ['-c', c]), tarred.tar as string, ref], quiet);
    expect(await imp('bb:cmd', ['CMD ["sh","-c","echo cmd $GREETING; id -un; pwd"]', 'ENV GREETING=hi PATH=/bin:/usr/bin', 'WORKDIR /srv/app', 'USER app'])).toBe(0);
    expect(await imp('bb:ep', ['ENTRYPOINT ["echo","ep"]', 'CMD ["default"]'])).toBe(0);
    expect(await imp('bb:none', [])).toBe(0);
  });
  afterAll(() => {
    h?.cleanup();
    tarred?.cleanup();
  });
  afterEach(() => {
    expect(ourMounts(h)).toEqual([]);
    expect(containerIds(h)).toEqual([]);
  });

  it('runs the image Cmd with its Env, WorkingDir and User', async () => {
    const r = await run(h, ['--rm', 'bb:cmd']);
    expect(r).toEqual({ code: 0, stdout: 'cmd hi\napp\n/srv/app\n', stderr: '' });
    const env = await run(h, ['--rm', 'bb:cmd', 'env']);
    expect(env.stdout).toContain('PATH=/bin:/usr/bin\n');
    expect(env.stdout).toContain('HOME=/home/app\n');
  });

  it('follows Docker’s Entrypoint/Cmd rules', async () => {
    expect((await run(h, ['--rm', 'bb:ep'])).stdout).toBe('ep default\n');
    expect((await run(h, ['--rm', 'bb:ep', 'given'])).stdout).toBe('ep given\n');
    expect((await run(h, ['--rm', '--entrypoint', 'echo', 'bb:ep'])).stdout).toBe('\n');
    expect((await run(h, ['--rm', '--entrypoint', '', 'bb:ep', 'echo', 'plain'])).stdout).toBe('plain\n');
    const none = await run(h, ['--rm', 'bb:none']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no command specified: bb:none/);
  });

  it('shares the unpacked layer read-only and gives each container its own top layer', async () => {
    const layers = path.join(h.root, 'layers', 'sha256');
    const before = readdirSync(layers);
    expect((await run(h, ['--rm', 'bb:none', 'sh', '-c', 'echo x > /etc/new; rm /bin/ls'])).code).toBe(0);
    const second = await run(h, ['--rm', 'bb:none', 'sh', '-c', 'test -e /etc/new || echo fresh; test -e /bin/ls && echo ls-kept']);
    expect(second.stdout).toBe('fresh\nls-kept\n');
    expect(readdirSync(layers)).toEqual(before);
    for (const l of before) expect(readdirSync(path.join(layers, l, 'etc'))).not.toContain('new');
  });

  it('--storage-driver vfs applies the layers into a private copy', async () => {
    const r = await run(h, ['--rm', '--storage-driver', 'vfs', 'bb:cmd', 'sh', '-c', 'id -un; echo y > /etc/vfs']);
    expect(r.stdout).toBe('app\n');
    expect(r.stderr).toMatch(/can't create \/etc\/vfs: Permission denied/);
    expect(r.code).toBe(1);
    const root = await run(h, ['--rm', '--storage-driver', 'vfs', '-u', 'root', 'bb:cmd', 'sh', '-c', 'echo y > /etc/vfs; cat /etc/vfs']);
    expect(root.stdout).toBe('y\n');
  });

  it('names an unknown image', async () => {
    const r = await run(h, ['--rm', 'nosuch:1']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/no such image: nosuch:1/);
  });
});
