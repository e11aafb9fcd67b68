// tsbuild run end to end on a busybox rootfs: the container's view (env,
// workdir, user, hostname, mounts), its writable layer, and exit statuses.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { containerIds, makeHarness, ourMounts, readState, run, runRm, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('tsbuild run (busybox rootfs)', () => {
  let h: Harness;
  beforeAll(() => {
    h = makeHarness();
  });
  afterAll(() => h?.cleanup());
  afterEach(() => {
    expect(ourMounts(h)).toEqual([]);
  });

  it('prints only the container output and passes the default environment', async () => {
    const r = await runRm(h, ['env']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const env = r.stdout.trim().split('\n').sort();
    expect(env).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(env).toContain('HOME=/root');
    expect(env.find((e) => e.startsWith('HOSTNAME='))).toMatch(/^HOSTNAME=[0-9a-f]{12}$/);
  });

  it('applies -e, --env-file, -w (created), -u with groups from /etc/group, --hostname', async () => {
    writeFileSync(path.join(h.tmp, 'vars.env'), '# comment\nFROMFILE=yes\nA=file\n');
    const r = await runRm(h, [
      '--env-file', 'vars.env', '-e', 'A=1', '-w', '/srv/new/dir', '-u', 'app', '--hostname', 'box',
      'sh', '-c', 'echo "$A $FROMFILE"; pwd; id -u; id -g; id -G; hostname; cat /etc/hostname; echo $HOME; grep CapEff /proc/self/status',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['1 yes', '/srv/new/dir', '1000', '1000', '1000 10', 'box', 'box', '/home/app', 'CapEff:\t0000000000000000', '']);
  });

  it('resolves numeric -u uid:gid without passwd entries and names a missing user', async () => {
    const r = await runRm(h, ['-u', '4242:4343', 'sh', '-c', 'id -u; id -g; echo $HOME']);
    expect(r.stdout).toBe('4242\n4343\n/\n');
    const bad = await runRm(h, ['-u', 'nosuch', 'true']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toMatch(/user "nosuch": no matching entries/);
  });

  it('-v binds a host dir on a missing mount point, read-write and :ro', async () => {
    const host = path.join(h.tmp, 'shared');
    mkdirSync(host);
    writeFileSync(path.join(host, 'in.txt'), 'from host\n');
    const r = await runRm(h, ['-v', `${host}:/mnt/deep/x`, '-v', `${host}:/ro:ro`, 'sh', '-c', 'cat /mnt/deep/x/in.txt; echo out > /mnt/deep/x/out.txt; echo no > /ro/no.txt || echo refused']);
    expect(r.stdout).toMatch(/^from host\n/);
    expect(r.stdout).toMatch(/refused\n$/);
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(readFileSync(path.join(host, 'out.txt'), 'utf8')).toBe('out\n');
    expect(existsSync(path.join(host, 'no.txt'))).toBe(false);
    expect(existsSync(path.join(h.rootfs.dir, 'mnt'))).toBe(false);
  });

  it('-v creates a missing host directory; --mount refuses a missing source', async () => {
    const created = path.join(h.tmp, 'made-by-v');
    expect((await runRm(h, ['-v', `${created}:/data`, 'true'])).code).toBe(0);
    expect(existsSync(created)).toBe(true);
    const r = await runRm(h, ['--mount', `type=bind,source=${h.tmp}/nope,target=/x`, 'true']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--mount type=bind.*bind source path does not exist/);
  });

  it('--read-only refuses writes except to --tmpfs', async () => {
    const r = await runRm(h, ['--read-only', '--tmpfs', '/scratch', 'sh', '-c', 'touch /x || echo ro-root; touch /scratch/y && echo tmpfs-ok; grep " /scratch " /proc/mounts']);
    expect(r.stdout).toMatch(/^ro-root\ntmpfs-ok\ntmpfs \/scratch tmpfs rw,nosuid,nodev,noexec/);
  });

  it('gives every container a fresh writable top layer and keeps the rootfs untouched', async () => {
    const first = await run(h, ['--rootfs', h.rootfs.dir, 'sh', '-c', 'echo one > /marker; rm /bin/ls; cat /marker']);
    expect(first.stdout).toBe('one\n');
    const second = await runRm(h, ['sh', '-c', 'cat /marker 2>/dev/null || echo absent; test -e /bin/ls && echo ls-there']);
    expect(second.stdout).toBe('absent\nls-there\n');
    expect(existsSync(path.join(h.rootfs.dir, 'marker'))).toBe(false);
    // without --rm the container stays, with its upper dir holding the change
    const ids = containerIds(h);
    expect(ids).toHaveLength(1);
    const state = readState(h, ids[0] as string);
    expect(state).toMatchObject({ status: 'exited', exitStatus: 0, rm: false });
    const upper = (state.paths as { upper: string }).upper;
    expect(readFileSync(path.join(upper, 'marker'), 'utf8')).toBe('one\n');
  });

  describe('exit status', () => {
    const cases: [string, string[], number, RegExp | undefined][] = [
      ['success', ['true'], 0, undefined],
      ["the command's code", ['sh', '-c', 'exit 42'], 42, undefined],
      ['127 when not found', ['no-such-cmd'], 127, /^tsbuild: exec: no-such-cmd: not found\n$/],
      ['127 for a missing path', ['/no/such'], 127, /exec: \/no\/such: not found/],
      ['126 when not executable', ['/etc/passwd'], 126, /exec: \/etc\/passwd: /],
      ['128+n with --init when the command is killed', ['--init', 'sh', '-c', 'kill -9 $$'], 137, undefined],
      ['PID 1 ignores signals it has no handler for', ['sh', '-c', 'kill -9 $$; kill -TERM $$; echo alive'], 0, undefined],
      ['125 when set-up fails (working dir is a file)', ['-w', '/etc/passwd', 'true'], 125, /container setup failed/],
    ];
    for (const [name, args, code, err] of cases) {
      it(name, async () => {
        const before = containerIds(h);
        const r = await runRm(h, args);
        expect(r.code).toBe(code);
        if (err) expect(r.stderr).toMatch(err);
        else expect(r.stderr).toBe('');
        expect(containerIds(h)).toEqual(before);
      });
    }
  });

  it('stdin is /dev/null without -i and the caller’s with -i', async () => {
    expect((await runRm(h, ['cat'], 'typed\n')).stdout).toBe('');
    expect((await runRm(h, ['-i', 'cat'], 'typed\n')).stdout).toBe('typed\n');
  });

  it('--rm with --name leaves nothing; a taken name is refused', async () => {
    const before = containerIds(h);
    const r = await runRm(h, ['--name', 'web', 'true']);
    expect(r.code).toBe(0);
    expect(containerIds(h)).toEqual(before);
    expect(existsSync(path.join(h.root, 'containers', '.names', 'web'))).toBe(false);
    const kept = await run(h, ['--name', 'db', '--rootfs', h.rootfs.dir, 'true']);
    expect(kept.code).toBe(0);
    const clash = await runRm(h, ['--name', 'db', 'true']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/name "db" is already in use/);
  });

  it('--storage-driver vfs runs the --rootfs directory itself', async () => {
    const r = await runRm(h, ['--storage-driver', 'vfs', 'sh', '-c', 'echo vfs > /tmp/vfs-mark; cat /tmp/vfs-mark']);
    expect(r.stdout).toBe('vfs\n');
    expect(readFileSync(path.join(h.rootfs.dir, 'tmp/vfs-mark'), 'utf8')).toBe('vfs\n');
  });

  it('runs with pid 1, only lo, one / mount and the seccomp filter', async () => {
    const r = await runRm(h, ['--network', 'none', 'sh', '-c', 'echo $$; ls /sys/class/net; grep Seccomp: /proc/self/status; awk \'$5 == "/"\' /proc/self/mountinfo | wc -l']);
    expect(r.stdout).toBe('1\nlo\nSeccomp:\t2\n1\n');
  });
});
