// boxinit's supervising modes: --init (PID 1 stays boxinit: reaps, forwards
// signals, exits like tini), -t (a pty from the container's devpts, window
// size and resizes), signals sent to the spawned process, and joining a
// cgroup before the namespaces are created.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCapabilities } from '../../src/runtime/capabilities.js';
import { baseConfig, boxinitSkipReason, runBoxinit, useBoxinitHarness } from '../helpers/boxinit-run.js';

const why = boxinitSkipReason('root', 'overlay', 'unshare', 'busybox');

const sh = (script: string) => ['/bin/sh', '-c', script];

describe.skipIf(!!why)('boxinit init, tty, signals, cgroups', () => {

  const h = useBoxinitHarness();

  it('--init: the command is not PID 1, its status passes through, a signal death is 128+n', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, sh('echo $$; cat /proc/1/cmdline | tr "\\0" " "; exit 3'), { init: true }));
    expect(r.status, r.reportText).toBe(3);
    const [pid, cmd] = r.stdout.split('\n');
    expect(pid).not.toBe('1');
    expect(cmd).toMatch(/boxinit --stage2/);
    const killed = await runBoxinit(baseConfig(h.root.rootfs, sh('kill -KILL $$'), { init: true }));
    expect(killed.status).toBe(137);
  });

  it('--init reaps orphans', async () => {
    const r = await runBoxinit(
      baseConfig(h.root.rootfs, sh('(sleep 0.2 &); (sleep 0.2 &); grep -c "^PPid:\t1$" /proc/[0-9]*/status | grep -c ":1$"; sleep 0.8; grep -l "^State:.*Z" /proc/[0-9]*/status | wc -l'), { init: true }),
    );
    expect(r.status, r.reportText).toBe(0);
    // two orphans were reparented to PID 1 (besides the shell itself), and none is left a zombie
    expect(r.stdout.trim().split('\n')).toEqual(['3', '0']);
  });

  it('background processes die with PID 1: nothing survives the container', async () => {
    const nsOf = (pid: string | number) => {
      try {
        return readlinkSync(`/proc/${pid}/ns/pid`);
      } catch {
        return undefined;
      }
    };
    let containerNs: string | undefined;
    const r = await runBoxinit(baseConfig(h.root.rootfs, sh('sleep 30 & sleep 30 & sleep 0.3; exit 4'), { init: true }), {
      onPid: (pid) => {
        // boxinit reports PID 1 right after the fork, before it execs; its ns link is already the container's
        containerNs = nsOf(pid);
      },
    });
    expect(r.status).toBe(4);
    expect(r.elapsedMs).toBeLessThan(10_000);
    expect(containerNs).toMatch(/^pid:\[\d+\]$/);
    expect(containerNs).not.toBe(nsOf('self'));
    const survivors = readdirSync('/proc').filter((d) => /^\d+$/.test(d) && nsOf(d) === containerNs);
    expect(survivors).toEqual([]);
  });

  it('forwards SIGTERM sent to the spawned process, with and without --init', async () => {
    for (const init of [false, true]) {
      const r = await runBoxinit(
        baseConfig(h.root.rootfs, sh('trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.05; done'), { init }),
        {
          onSpawn: (child) => {
            let sent = false;
            child.stdout!.on('data', (d: Buffer) => {
              if (!sent && d.toString().includes('ready')) {
                sent = true;
                child.kill('SIGTERM');
              }
            });
          },
        },
      );
      expect(r.status, `init=${init} ${r.stdout} ${r.reportText}`).toBe(7);
      expect(r.stdout).toBe('ready\ngot-term\n');
    }
  });

  it('without --init PID 1 ignores an unhandled SIGTERM; SIGKILL to the spawned process ends the container', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/sleep', '30']), {
      onSpawn: (child) => {
        setTimeout(() => child.kill('SIGTERM'), 300);
        setTimeout(() => child.kill('SIGKILL'), 900);
      },
    });
    expect(r.status).toBe(137);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(800);
  });

  it('-t: a pty from the container devpts as controlling terminal, with the window size and resizes', async () => {
    const r = await runBoxinit(
      baseConfig(h.root.rootfs, sh('tty; stty size; echo resize-now; sleep 0.8; stty size; ls -l /dev/console | cut -c1; read x; echo "got $x"'), {
        tty: { rows: 24, cols: 80 },
        uid: 1000,
        gid: 1000,
        capabilities: resolveCapabilities({ uid: 1000 }),
      }),
      { resize: [[30, 100]], resizeWhen: 'resize-now', stdin: 'hello\n' },
    );
    expect(r.status, r.reportText).toBe(0);
    const lines = r.stdout.split('\r\n');
    expect(lines).toContain('/dev/pts/0');
    expect(lines.indexOf('24 80')).toBeGreaterThanOrEqual(0);
    expect(lines.indexOf('30 100')).toBeGreaterThan(lines.indexOf('24 80'));
    expect(lines).toContain('c'); // /dev/console is the pty
    expect(r.stdout).toContain('got hello');
  });

  const pidsRoot = '/sys/fs/cgroup/pids';
  const noCgroup = existsSync(path.join(pidsRoot, 'cgroup.procs')) ? undefined : 'needs the cgroup v1 pids hierarchy';

  it.skipIf(!!noCgroup)('joins the given cgroup before the namespaces: the container runs inside it', async () => {
    const parent = path.join(pidsRoot, 'tsbuild');
    const createdParent = !existsSync(parent);
    const leaf = path.join(parent, `boxinit-test-${process.pid}-${Date.now()}`);
    mkdirSync(leaf, { recursive: true });
    try {
      let procs = '';
      const r = await runBoxinit(
        baseConfig(h.root.rootfs, sh('grep ":pids:" /proc/self/cgroup; sleep 0.5'), { cgroupProcs: [path.join(leaf, 'cgroup.procs')] }),
        {
          onPid: () => {
            setTimeout(() => (procs = readFileSync(path.join(leaf, 'cgroup.procs'), 'utf8')), 200);
          },
        },
      );
      expect(r.status, r.reportText).toBe(0);
      expect(r.stdout).toMatch(/^\d+:pids:\/\n$/); // the cgroup namespace is rooted at the leaf
      expect(procs.trim().split('\n').map(Number)).toContain(r.report.pid);
      expect(readFileSync(path.join(leaf, 'cgroup.procs'), 'utf8')).toBe('');
    } finally {
      rmdirSync(leaf);
      if (createdParent) {
        try {
          rmdirSync(parent);
        } catch {
          // someone else's cgroup appeared under it
        }
      }
    }
  });

  it('mounts /sys/fs/cgroup read-only with the container cgroup as root of each hierarchy', async () => {
    const r = await runBoxinit(
      baseConfig(h.root.rootfs, sh('ls /sys/fs/cgroup; grep -c . /sys/fs/cgroup/pids/cgroup.procs; mkdir /sys/fs/cgroup/pids/x 2>/dev/null && echo writable; grep " /sys/fs/cgroup" /proc/self/mountinfo | grep -vc " ro,"; exit 0'), {
        cgroupfs: true,
      }),
    );
    expect(r.status, r.reportText).toBe(0);
    const lines = r.stdout.trim().split('\n');
    const hierarchies = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').map((l) => l.split(':')[1]!).filter((c) => c !== '');
    for (const h of hierarchies) expect(lines, h).toContain(h.replace(/^name=/, '').split(',')[0]);
    expect(r.stdout).not.toContain('writable');
    // only the container's own processes are visible in it
    const procsCount = Number(lines[lines.length - 2]);
    expect(procsCount).toBeGreaterThanOrEqual(1);
    expect(procsCount).toBeLessThan(10);
    expect(lines.at(-1)).toBe('0'); // every /sys/fs/cgroup mount is read-only
  });

  it('reports a cgroup that cannot be joined', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/true'], { cgroupProcs: ['/sys/fs/cgroup/pids/tsbuild/does-not-exist/cgroup.procs'] }));
    expect(r.status).toBe(125);
    expect(r.report.failure).toMatchObject({ stage: 'cgroup', errno: 2 });
  });
});
