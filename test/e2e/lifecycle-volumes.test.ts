// Named volumes (-v NAME:/path, volume ls/rm) and the image's VOLUME entries
// as anonymous volumes.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { missing } from '../helpers/requires.js';
import { tsb } from './lifecycle-harness.js';
import type { Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('volumes', () => {
  let h: Harness;
  let rootfs: BusyboxRootfs;
  beforeAll(async () => {
    rootfs = makeBusyboxRootfs({ tar: true });
    const tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-lc-vol-'));
    h = { rootfs, root: path.join(tmp, 'root'), tmp, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
    const r = await tsb(h, ['import', '-c', 'VOLUME /vol', rootfs.tar as string, 'lc-vol:1']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => {
    h?.cleanup();
    rootfs?.cleanup();
  });

  it('a named volume outlives its containers; volume ls and rm', async () => {
    const w = await tsb(h, ['run', '--rm', '--network', 'none', '-v', 'lc-data:/data', '--rootfs', rootfs.dir, 'sh', '-c', 'echo kept > /data/f']);
    expect(w.code, w.stderr).toBe(0);
    const r = await tsb(h, ['run', '--rm', '--network', 'none', '-v', 'lc-data:/data:ro', '--rootfs', rootfs.dir, 'sh', '-c', 'cat /data/f; touch /data/g 2>/dev/null || echo read-only']);
    expect(r.stdout).toBe('kept\nread-only\n');
    expect((await tsb(h, ['volume', 'ls', '-q'])).stdout.split('\n')).toContain('lc-data');
    expect(readFileSync(path.join(h.root, 'volumes/lc-data/_data/f'), 'utf8')).toBe('kept\n');
    expect((await tsb(h, ['volume', 'rm', 'lc-data'])).code).toBe(0);
    expect(existsSync(path.join(h.root, 'volumes/lc-data'))).toBe(false);
    expect((await tsb(h, ['volume', 'rm', 'lc-data'])).code).not.toBe(0);
  });

  it("the image's VOLUME path gets an anonymous volume (a mount, not the container's upper dir)", async () => {
    const before = (await tsb(h, ['volume', 'ls', '-q'])).stdout.split('\n').filter((l) => l !== '');
    const r = await tsb(h, ['run', '--rm', '--network', 'none', 'lc-vol:1', 'sh', '-c', 'echo anon > /vol/f; grep -c " /vol " /proc/self/mountinfo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('1\n');
    const added = (await tsb(h, ['volume', 'ls', '-q'])).stdout.split('\n').filter((l) => l !== '' && !before.includes(l));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(path.join(h.root, 'volumes', added[0] as string, '_data/f'), 'utf8')).toBe('anon\n');
    // an explicit mount on the path takes its place
    const n = await tsb(h, ['run', '--rm', '--network', 'none', '-v', 'lc-named:/vol', 'lc-vol:1', 'sh', '-c', 'echo named > /vol/f']);
    expect(n.code).toBe(0);
    expect((await tsb(h, ['volume', 'ls', '-q'])).stdout.split('\n').filter((l) => l !== '' && !before.includes(l)).sort()).toEqual([added[0], 'lc-named'].sort());
  });
});
