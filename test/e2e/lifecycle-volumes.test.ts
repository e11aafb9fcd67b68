// Named volumes (-v NAME:/path, volume ls/rm) and the image's VOLUME entries
// as anonymous volumes: seeded with the image's content at their path, kept
// with the container, removed by run --rm and rm -v (never a named one).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  const volumes = async (): Promise<string[]> => (await tsb(h, ['volume', 'ls', '-q'])).stdout.split('\n').filter((l) => l !== '');

  it("the image's VOLUME path gets an anonymous volume (a mount, not the container's upper dir), kept by rm and removed by rm -v", async () => {
    const before = await volumes();
    const r = await tsb(h, ['run', '--network', 'none', '--name', 'lc-anon', 'lc-vol:1', 'sh', '-c', 'echo anon > /vol/f; grep -c " /vol " /proc/self/mountinfo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('1\n');
    const added = (await volumes()).filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(path.join(h.root, 'volumes', added[0] as string, '_data/f'), 'utf8')).toBe('anon\n');
    expect((await tsb(h, ['diff', 'lc-anon'])).stdout).not.toContain('/vol/f');
    // start runs it again with the same anonymous volume
    expect((await tsb(h, ['start', 'lc-anon'])).code).toBe(0);
    expect((await tsb(h, ['wait', 'lc-anon'])).stdout).toBe('0\n');
    expect((await volumes()).filter((l) => !before.includes(l))).toEqual(added);
    // rm -v removes it; rm alone would keep it
    expect((await tsb(h, ['rm', '-v', 'lc-anon'])).code).toBe(0);
    expect(await volumes()).toEqual(before);

    const kept = await tsb(h, ['run', '--network', 'none', '--name', 'lc-anon2', 'lc-vol:1', 'true']);
    expect(kept.code).toBe(0);
    expect((await tsb(h, ['rm', 'lc-anon2'])).code).toBe(0);
    const left = (await volumes()).filter((l) => !before.includes(l));
    expect(left).toHaveLength(1);
    expect((await tsb(h, ['volume', 'rm', left[0] as string])).code).toBe(0);

    // an explicit mount on the path takes its place; run --rm removes the anonymous one, never the named one
    const n = await tsb(h, ['run', '--rm', '--network', 'none', '-v', 'lc-named:/vol', '-v', '/anon', 'lc-vol:1', 'sh', '-c', 'echo named > /vol/f; echo a > /anon/f; grep -c " /anon " /proc/self/mountinfo']);
    expect(n, n.stderr).toMatchObject({ code: 0, stdout: '1\n' });
    expect((await volumes()).filter((l) => !before.includes(l))).toEqual(['lc-named']);
    expect(readFileSync(path.join(h.root, 'volumes/lc-named/_data/f'), 'utf8')).toBe('named\n');
    expect((await tsb(h, ['volume', 'rm', 'lc-named'])).code).toBe(0);
  });

  it("a new volume starts with the image's content at its path (owners, modes, links kept); -d --rm removes it at the end", async () => {
    const before = await volumes();
    // an image with content at /seed and VOLUME /seed
    const base = await tsb(h, ['run', '--network', 'none', '--name', 'lc-seed-base', 'lc-vol:1', 'sh', '-c', 'mkdir -p /seed/sub && echo seeded > /seed/sub/f && chown 1000:10 /seed/sub/f && chmod 640 /seed/sub/f && ln -s /etc/passwd /seed/link']);
    expect(base.code, base.stderr).toBe(0);
    const c = await tsb(h, ['commit', '-c', 'VOLUME /seed', 'lc-seed-base', 'lc-seeded:1']);
    expect(c.code, c.stderr).toBe(0);
    expect((await tsb(h, ['rm', '-v', 'lc-seed-base'])).code).toBe(0);
    expect(await volumes()).toEqual(before);

    const show = 'cat /seed/sub/f; stat -c "%u %g %a" /seed/sub/f; readlink /seed/link; grep -c " /seed " /proc/self/mountinfo';
    const r = await tsb(h, ['run', '--rm', '--network', 'none', 'lc-seeded:1', 'sh', '-c', show]);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'seeded\n1000 10 640\n/etc/passwd\n1\n' });
    expect(await volumes()).toEqual(before);
    // the vfs driver seeds from its own copy of the image
    const v = await tsb(h, ['run', '--rm', '--network', 'none', '--storage-driver', 'vfs', 'lc-seeded:1', 'sh', '-c', show]);
    expect(v, v.stderr).toMatchObject({ code: 0, stdout: 'seeded\n1000 10 640\n/etc/passwd\n1\n' });
    expect(await volumes()).toEqual(before);

    // an existing but empty named volume is seeded (as Docker's)
    expect((await tsb(h, ['volume', 'create', 'lc-empty'])).code).toBe(0);
    expect((await tsb(h, ['run', '--rm', '--network', 'none', '-v', 'lc-empty:/seed', 'lc-seeded:1', 'cat', '/seed/sub/f'])).stdout).toBe('seeded\n');
    expect((await tsb(h, ['volume', 'rm', 'lc-empty'])).code).toBe(0);
    // a new named volume is seeded too, once: what the container wrote stays
    const w = await tsb(h, ['run', '--rm', '--network', 'none', '-v', 'lc-seeded-named:/seed', 'lc-seeded:1', 'sh', '-c', 'cat /seed/sub/f; echo mine > /seed/sub/f']);
    expect(w.stdout).toBe('seeded\n');
    const again = await tsb(h, ['run', '--rm', '--network', 'none', '-v', 'lc-seeded-named:/seed', 'lc-seeded:1', 'cat', '/seed/sub/f']);
    expect(again.stdout).toBe('mine\n');
    expect(await volumes()).toEqual([...before, 'lc-seeded-named'].sort());
    expect((await tsb(h, ['volume', 'rm', 'lc-seeded-named'])).code).toBe(0);

    // detached --rm: the monitor removes the anonymous volume with the container
    const d = await tsb(h, ['run', '-d', '--rm', '--network', 'none', 'lc-seeded:1', 'sh', '-c', 'cat /seed/sub/f > /dev/null; sleep 0.3']);
    expect(d.code, d.stderr).toBe(0);
    const { until } = await import('./lifecycle-harness.js');
    await until(async () => !existsSync(path.join(h.root, 'containers', d.stdout.trim())));
    await until(async () => (await volumes()).length === before.length, 10_000);
    expect(await volumes()).toEqual(before);
  });

  it('a -d --rm container whose monitor was killed (SIGKILL) goes with its anonymous volume at the next command', async () => {
    const before = await volumes();
    const d = await tsb(h, ['run', '-d', '--rm', '--network', 'none', '-v', '/scratch', '--rootfs', rootfs.dir, 'sleep', '1000']);
    expect(d.code, d.stderr).toBe(0);
    const id = d.stdout.trim();
    expect((await volumes()).length).toBe(before.length + 1);
    const st = JSON.parse(readFileSync(path.join(h.root, 'containers', id, 'state.json'), 'utf8'));
    // the monitor was started by this test (run -d): killed by its pid after checking its start time
    expect(readFileSync(`/proc/${st.owner.pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19]).toBe(st.owner.startTime);
    process.kill(st.owner.pid, 'SIGKILL');
    const { until } = await import('./lifecycle-harness.js');
    await until(() => !existsSync(`/proc/${st.owner.pid}`));
    expect((await tsb(h, ['ps', '-a', '-q'])).stdout).not.toContain(id.slice(0, 12));
    expect(existsSync(path.join(h.root, 'containers', id))).toBe(false);
    expect(await volumes()).toEqual(before);
  });

  it('cp into and out of a stopped container reaches its volumes and bind mounts (a read-only one refuses)', async () => {
    const hostDir = path.join(h.tmp, 'ro-bind');
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(path.join(hostDir, 'h'), 'host\n');
    const r = await tsb(h, ['run', '--network', 'none', '--name', 'lc-cpvol', '-v', 'lc-cpvol:/data', '-v', `${hostDir}:/ro:ro`, '--rootfs', rootfs.dir, 'sh', '-c', 'echo inside > /data/f']);
    expect(r.code, r.stderr).toBe(0);
    try {
      const out = path.join(h.tmp, 'cpvol-f');
      const o = await tsb(h, ['cp', 'lc-cpvol:/data/f', out]);
      expect(o.code, o.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('inside\n');
      expect((await tsb(h, ['cp', 'lc-cpvol:/ro/h', out])).code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('host\n');
      writeFileSync(out, 'copied in\n');
      const i = await tsb(h, ['cp', out, 'lc-cpvol:/data/g']);
      expect(i.code, i.stderr).toBe(0);
      expect(readFileSync(path.join(h.root, 'volumes/lc-cpvol/_data/g'), 'utf8')).toBe('copied in\n');
      const cid = JSON.parse((await tsb(h, ['inspect', 'lc-cpvol'])).stdout)[0].Id as string;
      expect(existsSync(path.join(h.root, 'containers', cid, 'upper/data/g'))).toBe(false);
      const ro = await tsb(h, ['cp', out, 'lc-cpvol:/ro/new']);
      expect(ro.code).not.toBe(0);
      expect(existsSync(path.join(hostDir, 'new'))).toBe(false);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('tsbuild-root-');
      // in use by the (stopped) container: volume rm refuses, as Docker's
      const busy = await tsb(h, ['volume', 'rm', 'lc-cpvol']);
      expect(busy.code).not.toBe(0);
      expect(busy.stderr).toMatch(/volume lc-cpvol is in use by container [0-9a-f]{12}/);
    } finally {
      await tsb(h, ['rm', 'lc-cpvol']);
      await tsb(h, ['volume', 'rm', 'lc-cpvol']);
    }
  });
});
