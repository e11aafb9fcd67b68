// diff, commit and export of a container run from an image (busybox
// imported into a temp store), and running the committed image.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { missing } from '../helpers/requires.js';
import { tsb } from './lifecycle-harness.js';
import { ourMounts, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('container versioning: diff, commit, export', () => {
  let h: Harness;
  let rootfs: BusyboxRootfs;
  beforeAll(async () => {
    rootfs = makeBusyboxRootfs({ tar: true });
    const tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-lc-ver-'));
    h = { rootfs, root: path.join(tmp, 'root'), tmp, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
    const r = await tsb(h, ['import', '-c', 'CMD ["/bin/sh"]', rootfs.tar as string, 'lc-busybox:1']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => {
    h?.cleanup();
    rootfs?.cleanup();
  });

  it('diff shows A/C/D; commit makes a layer that a new container sees, with -c and -m; export tars the merged file system', async () => {
    const r = await tsb(h, ['run', '-d', '--network', 'none', '--name', 'lc-ver', 'lc-busybox:1', 'sh', '-c', 'mkdir -p /srv/app && echo v1 > /srv/app/file && echo x >> /etc/motd && rm /etc/group && touch /ready && sleep 1000']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    try {
      const { until } = await import('./lifecycle-harness.js');
      await until(async () => (await tsb(h, ['exec', id, 'test', '-e', '/ready'])).code === 0);
      const diff = (await tsb(h, ['diff', 'lc-ver'])).stdout.split('\n').filter((l) => l !== '');
      expect(diff).toContain('A /srv');
      expect(diff).toContain('A /srv/app');
      expect(diff).toContain('A /srv/app/file');
      expect(diff).toContain('C /etc');
      expect(diff).toContain('D /etc/group');
      expect(diff).toContain('A /ready');
      expect(diff.some((l) => /^[ACD] \/etc\/motd$/.test(l))).toBe(true);
      expect([...diff].sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : 1))).toEqual(diff);

      const c = await tsb(h, ['commit', '-m', 'add app', '-c', 'ENV STAGE=committed', '-c', 'CMD ["cat", "/srv/app/file"]', 'lc-ver', 'lc-committed:1']);
      expect(c.code, c.stderr).toBe(0);
      expect(c.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
      // committing paused and resumed the container
      expect(JSON.parse((await tsb(h, ['inspect', 'lc-ver'])).stdout)[0].State.Status).toBe('running');

      const run = await tsb(h, ['run', '--rm', '--network', 'none', 'lc-committed:1']);
      expect(run).toMatchObject({ code: 0, stdout: 'v1\n' });
      const env = await tsb(h, ['run', '--rm', '--network', 'none', 'lc-committed:1', 'sh', '-c', 'echo $STAGE; test -e /etc/group && echo has-group || echo no-group']);
      expect(env.stdout).toBe('committed\nno-group\n');
      const img = JSON.parse((await tsb(h, ['inspect', 'lc-committed:1'])).stdout)[0];
      expect(img.RootFS.Layers.length).toBe(2);

      const tarFile = path.join(h.tmp, 'export.tar');
      const e = await tsb(h, ['export', '-o', tarFile, 'lc-ver']);
      expect(e.code, e.stderr).toBe(0);
      const names = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).split('\n');
      expect(names).toContain('srv/app/file');
      expect(names).toContain('bin/busybox');
      expect(names).not.toContain('etc/group');
      expect(names.some((n) => n.includes('.wh.'))).toBe(false);
      expect(execFileSync('tar', ['-xOf', tarFile, 'srv/app/file'], { encoding: 'utf8' })).toBe('v1\n');
      expect(ourMounts(h).filter((l) => l.includes('export-'))).toEqual([]);
    } finally {
      await tsb(h, ['rm', '-f', id]);
    }
  });
});
