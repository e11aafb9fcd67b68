// Run-level checks of the security flags (boxinit's own tests cover the
// in-container properties in depth): capability sets for --cap-add/--cap-drop/
// --privileged and non-root users, no_new_privs, seccomp on/off, masked and
// read-only paths, and a pseudo-terminal for -t.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { makeHarness, ourMounts, repo, runRm, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

function field(status: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1];
}

describe.skipIf(!!why)('tsbuild run: security flags', () => {
  let h: Harness;
  beforeAll(() => {
    h = makeHarness();
  });
  afterAll(() => h?.cleanup());
  afterEach(() => expect(ourMounts(h)).toEqual([]));

  const status = async (flags: string[]) => {
    const r = await runRm(h, [...flags, 'cat', '/proc/self/status']);
    expect(r.code).toBe(0);
    return r.stdout;
  };

  it('root gets Docker’s 14 capabilities in bounding, permitted and effective; nothing inheritable or ambient', async () => {
    const s = await status([]);
    expect([field(s, 'CapBnd'), field(s, 'CapPrm'), field(s, 'CapEff'), field(s, 'CapInh'), field(s, 'CapAmb')]).toEqual([
      '00000000a80425fb', '00000000a80425fb', '00000000a80425fb', '0000000000000000', '0000000000000000',
    ]);
    expect([field(s, 'Seccomp'), field(s, 'NoNewPrivs')]).toEqual(['2', '0']);
  });

  it('--cap-drop / --cap-add / ALL', async () => {
    expect(field(await status(['--cap-drop', 'CHOWN', '--cap-add', 'NET_ADMIN']), 'CapEff')).toBe((0xa80425fbn & ~1n | (1n << 12n)).toString(16).padStart(16, '0'));
    expect(field(await status(['--cap-drop', 'ALL']), 'CapBnd')).toBe('0000000000000000');
    expect(field(await status(['--cap-drop', 'ALL', '--cap-add', 'cap_kill']), 'CapEff')).toBe('0000000000000020');
  });

  it('a non-root user keeps the bounding set only', async () => {
    const s = await status(['-u', 'app']);
    expect([field(s, 'CapBnd'), field(s, 'CapEff'), field(s, 'CapPrm')]).toEqual(['00000000a80425fb', '0000000000000000', '0000000000000000']);
  });

  it('--security-opt no-new-privileges and seccomp=unconfined', async () => {
    const s = await status(['--security-opt', 'no-new-privileges', '--security-opt', 'seccomp=unconfined']);
    expect([field(s, 'NoNewPrivs'), field(s, 'Seccomp')]).toEqual(['1', '0']);
  });

  it('--privileged: every capability, no seccomp, writable /proc/sys', async () => {
    const s = await status(['--privileged']);
    expect(field(s, 'Seccomp')).toBe('0');
    expect(BigInt(`0x${field(s, 'CapEff')}`) & (1n << 21n)).toBe(1n << 21n);
    const ro = await runRm(h, ['sh', '-c', 'grep -E " /proc/sys | /sys " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1']);
    expect(ro.stdout).toMatch(/^\/proc\/sys ro\n\/sys ro\n$|^\/sys ro\n\/proc\/sys ro\n$/);
  });

  it('masks /proc/keys (kcore is absent on this kernel) and refuses mount and new user namespaces', async () => {
    const r = await runRm(h, ['sh', '-c', 'cat /proc/keys | wc -c; mount -t tmpfs t /mnt 2>/dev/null || echo no-mount; unshare -U true 2>/dev/null || echo no-userns']);
    expect(r.stdout).toBe('0\nno-mount\nno-userns\n');
  });

  it('-t gives the container a terminal of its own and TERM=xterm', async () => {
    const r = await runRm(h, ['-t', 'sh', '-c', 'tty; echo $TERM']);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\r/g, '')).toBe('/dev/pts/0\nxterm\n');
  });

  it('never hands the host terminal to a container without -t (run-host-terminal-not-handed-in)', () => {
    // `script` gives tsbuild a terminal on fds 0-2, as an interactive shell would
    const cmd = [process.execPath, '--import', 'tsx', path.join(repo, 'src/cli/main.ts'), '--root', h.root, 'run', '--rm', '--rootfs', h.rootfs.dir,
      'sh', '-c', 'readlink /proc/self/fd/1 /proc/self/fd/2; test -t 1 && echo STDOUT-IS-TTY; echo done']
      .map((a) => `'${a.replaceAll("'", `'\\''`)}'`)
      .join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const out = r.stdout.replace(/\r/g, '');
    expect({ status: r.status, out, err: r.stderr }).toMatchObject({ status: 0, out: expect.stringMatching(/done\n$/) as unknown as string });
    expect(out).not.toMatch(/\/dev\/pts|STDOUT-IS-TTY/);
  });
});
