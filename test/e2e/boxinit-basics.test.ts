// boxinit run for real as root on the busybox rootfs, without the rest of the
// runtime: namespaces, mounts, capability sets, exit statuses, failure reports.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCapabilities } from '../../src/runtime/capabilities.js';
import { baseConfig, boxinitSkipReason, runBoxinit, useBoxinitHarness } from '../helpers/boxinit-run.js';

const why = boxinitSkipReason('root', 'overlay', 'unshare', 'busybox', 'cc');

describe.skipIf(!!why)('boxinit basics', () => {

  const h = useBoxinitHarness();

  const sh = (script: string) => ['/bin/sh', '-c', script];

  it('runs the command as PID 1 with its own hostname and only loopback', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, sh('echo pid=$$; hostname; cat /proc/net/dev')));
    expect(r.status, r.stderr + r.reportText).toBe(0);
    expect(r.stdout).toMatch(/^pid=1\nboxtest\n/);
    const ifaces = r.stdout.split('\n').filter((l) => l.includes(':')).map((l) => l.split(':')[0]!.trim());
    expect(ifaces).toEqual(['lo']);
    expect(r.report.pid).toBeGreaterThan(1);
    expect(r.report.failure).toBeUndefined();
  });

  it("has Docker's capability sets and seccomp mode 2 for root", async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/grep', '-E', '^(Cap|Seccomp:|NoNewPrivs)', '/proc/self/status']));
    expect(r.status, r.reportText).toBe(0);
    expect(r.stdout).toContain('CapInh:\t0000000000000000');
    expect(r.stdout).toContain('CapPrm:\t00000000a80425fb');
    expect(r.stdout).toContain('CapEff:\t00000000a80425fb');
    expect(r.stdout).toContain('CapBnd:\t00000000a80425fb');
    expect(r.stdout).toContain('CapAmb:\t0000000000000000');
    expect(r.stdout).toContain('Seccomp:\t2');
    expect(r.stdout).toContain('NoNewPrivs:\t0');
  });

  it('a non-root user gets no effective or permitted capabilities; groups and no_new_privs apply', async () => {
    const r = await runBoxinit(
      baseConfig(h.root.rootfs, sh('id; grep -E "^(Cap|NoNewPrivs)" /proc/self/status'), {
        uid: 1000,
        gid: 1000,
        additionalGids: [10],
        capabilities: resolveCapabilities({ uid: 1000 }),
        noNewPrivileges: true,
      }),
    );
    expect(r.status, r.reportText).toBe(0);
    expect(r.stdout).toMatch(/uid=1000\(app\) gid=1000\(app\) groups=1000\(app\),10\(wheel\)|uid=1000\(app\) gid=1000\(app\) groups=10\(wheel\)/);
    expect(r.stdout).toContain('CapPrm:\t0000000000000000');
    expect(r.stdout).toContain('CapEff:\t0000000000000000');
    expect(r.stdout).toContain('CapBnd:\t00000000a80425fb');
    expect(r.stdout).toContain('NoNewPrivs:\t1');
  });

  it('shows a single / mount and no host path in mountinfo', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/cat', '/proc/self/mountinfo']));
    expect(r.status, r.reportText).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const mountPoints = lines.map((l) => l.split(' ')[4]);
    expect(mountPoints.filter((m) => m === '/')).toHaveLength(1);
    expect(lines.find((l) => l.split(' ')[4] === '/')).toMatch(/ overlay overlay /);
    expect(r.stdout).not.toContain(h.root.base);
    expect(r.stdout).not.toContain(h.busybox.dir);
    expect(r.stdout).not.toContain(tmpdir());
    for (const m of ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/proc/sys']) expect(mountPoints).toContain(m);
  });

  it('passes exit statuses through: 0, N, 126, 127, 128+n', async () => {
    expect((await runBoxinit(baseConfig(h.root.rootfs, ['/bin/true']))).status).toBe(0);
    expect((await runBoxinit(baseConfig(h.root.rootfs, sh('exit 42')))).status).toBe(42);

    const notFound = await runBoxinit(baseConfig(h.root.rootfs, ['no-such-command', 'x']));
    expect(notFound.status).toBe(127);
    expect(notFound.report.failure?.stage).toBe('exec');
    expect(notFound.report.error?.message).toBe('exec: no-such-command: not found');
    expect(notFound.report.exitStatus).toBe(127);

    const absent = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/nope']));
    expect(absent.status).toBe(127);

    const notExec = await runBoxinit(baseConfig(h.root.rootfs, ['/etc/passwd']));
    expect(notExec.status).toBe(126);
    expect(notExec.report.error?.message).toMatch(/exec: \/etc\/passwd: permission denied/i);
    expect(notExec.report.exitStatus).toBe(126);

    // PID 1 ignores signals it has no handler for, even SIGKILL from inside (as in Docker)
    const selfKill = await runBoxinit(baseConfig(h.root.rootfs, sh('kill -9 $$; kill -TERM $$; echo alive')));
    expect(selfKill.status).toBe(0);
    expect(selfKill.stdout).toBe('alive\n');

    // ...but SIGKILL from the host kills it: 128+9
    const killed = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/sleep', '30']), { onPid: (pid) => process.kill(pid, 'SIGKILL') });
    expect(killed.status).toBe(137);
  });

  it('reports a working directory under a file as a cwd failure', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/true'], { cwd: '/etc/passwd/sub' }));
    expect(r.status).toBe(125);
    expect(r.report.failure?.stage).toBe('cwd');
    expect(r.report.failure?.errno).toBe(20); // ENOTDIR
    expect(r.report.error?.code).toBe('BOXINIT_CWD');
    expect(r.report.error?.message).toMatch(/\/etc\/passwd\/sub.*not a directory/);
  });

  it('creates a missing working directory inside the container', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/pwd'], { cwd: '/work/deep/dir' }));
    expect(r.status, r.reportText).toBe(0);
    expect(r.stdout).toBe('/work/deep/dir\n');
    expect(existsSync(path.join(h.root.base, 'upper', 'work', 'deep', 'dir'))).toBe(true);
    expect(existsSync(path.join(h.busybox.dir, 'work'))).toBe(false);
  });

  it('resolves a symlinked working directory inside the container, never on the host', async () => {
    const r1 = await runBoxinit(baseConfig(h.root.rootfs, sh('mkdir -p /x && ln -s /../../../../etc /x/up')));
    expect(r1.status).toBe(0);
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/sh', '-c', 'pwd; ls'], { cwd: '/x/up' }));
    expect(r.status, r.reportText).toBe(0);
    expect(r.stdout).toContain('passwd'); // the container's /etc
    expect(r.stdout).not.toContain('os-release'); // not the host's
  });

  it('writes go to a fresh upper layer; the lower stays untouched', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, sh('echo hi > /hello && rm /bin/true')));
    expect(r.status, r.reportText).toBe(0);
    expect(readFileSync(path.join(h.root.base, 'upper', 'hello'), 'utf8')).toBe('hi\n');
    expect(existsSync(path.join(h.busybox.dir, 'bin', 'true'))).toBe(true);
    expect(existsSync(path.join(h.busybox.dir, 'hello'))).toBe(false);
  });

  it('applies a read-only root, bind and tmpfs mounts, and the /etc files', async () => {
    const host = mkdtempSync(path.join(tmpdir(), 'tsbuild-boxinit-vol-'));
    try {
      mkdirSync(path.join(host, 'data'));
      writeFileSync(path.join(host, 'data', 'in.txt'), 'from host\n');
      writeFileSync(path.join(host, 'hosts'), '127.0.0.1 localhost boxtest\n');
      writeFileSync(path.join(host, 'resolv.conf'), 'nameserver 127.0.0.53\n');
      writeFileSync(path.join(host, 'hostname'), 'boxtest\n');
      const r = await runBoxinit(
        baseConfig(
          h.root.rootfs,
          sh(
            'cat /mnt/ro/in.txt; touch /mnt/ro/x 2>/dev/null && echo ro-writable; echo w > /mnt/rw/out.txt; ' +
              'touch /scratch/t && echo tmpfs-ok; touch /x 2>/dev/null && echo root-writable; ' +
              'cat /etc/hosts /etc/resolv.conf /etc/hostname; grep " /scratch " /proc/self/mountinfo',
          ),
          {
            readonlyRoot: true,
            mounts: [
              { type: 'bind', source: path.join(host, 'data'), destination: '/mnt/ro', options: ['rbind', 'ro'] },
              { type: 'bind', source: path.join(host, 'data'), destination: '/mnt/rw', options: ['rbind'] },
              { type: 'tmpfs', source: '', destination: '/scratch', options: ['nosuid', 'nodev', 'size=1m', 'mode=0755'] },
            ],
            files: { hosts: path.join(host, 'hosts'), resolvConf: path.join(host, 'resolv.conf'), hostname: path.join(host, 'hostname') },
          },
        ),
      );
      expect(r.status, r.reportText + r.stderr).toBe(0);
      expect(r.stdout).toContain('from host\n');
      expect(r.stdout).not.toContain('ro-writable');
      expect(r.stdout).toContain('tmpfs-ok');
      expect(r.stdout).not.toContain('root-writable');
      expect(r.stdout).toContain('127.0.0.1 localhost boxtest');
      expect(r.stdout).toContain('nameserver 127.0.0.53');
      expect(r.stdout).toMatch(/ \/scratch rw,nosuid,nodev.* tmpfs tmpfs rw,size=1024k,mode=755/);
      expect(readFileSync(path.join(host, 'data', 'out.txt'), 'utf8')).toBe('w\n');
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  });

  it('reports a missing bind source as a mount failure', async () => {
    const r = await runBoxinit(
      baseConfig(h.root.rootfs, ['/bin/true'], {
        mounts: [{ type: 'bind', source: '/nonexistent/tsbuild', destination: '/mnt', options: [] }],
      }),
    );
    expect(r.status).toBe(125);
    expect(r.report.failure).toMatchObject({ stage: 'mount', errno: 2 });
    expect(r.report.error?.message).toMatch(/\/nonexistent\/tsbuild.*no such file or directory/);
  });

  it('runs a dir rootfs (vfs driver) too', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-boxinit-vfs-'));
    try {
      const r = await runBoxinit(baseConfig({ kind: 'dir', target: h.busybox.dir, path: h.busybox.dir }, sh('echo $$; ls /bin/busybox')));
      expect(r.status, r.reportText).toBe(0);
      expect(r.stdout).toBe('1\n/bin/busybox\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
