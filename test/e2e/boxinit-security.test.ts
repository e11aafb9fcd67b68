// What a container may not do: seccomp refusals (probed by a static C
// program), the chroot escape, writes to /proc/sys and /sys, masked paths.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, afterAll, beforeAll, expect, it } from 'vitest';
import { resolveCapabilities } from '../../src/runtime/capabilities.js';
import { baseConfig, boxinitSkipReason, compileStatic, runBoxinit, useBoxinitHarness } from '../helpers/boxinit-run.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/boxinit');

const why = boxinitSkipReason('root', 'overlay', 'unshare', 'busybox', 'cc');

function parseProbe(out: string): Record<string, string> {
  return Object.fromEntries(out.trim().split('\n').map((l) => l.split('=') as [string, string]));
}

describe.skipIf(!!why)('boxinit security', () => {
  const h = useBoxinitHarness(() => [tools]);
  let tools: string; // host dir with the static test programs, bind-mounted at /probe

  beforeAll(() => {
    tools = mkdtempSync(path.join(tmpdir(), 'tsbuild-boxinit-tools-'));
    compileStatic(path.join(fixtures, 'probe.c'), path.join(tools, 'probe'), ['-pthread']);
    compileStatic(path.join(fixtures, 'chroot-escape.c'), path.join(tools, 'chroot-escape'));
    compileStatic(path.join(fixtures, 'whoami.c'), path.join(tools, 'whoami'));
    writeFileSync(path.join(tools, 'HOST-ONLY-MARKER'), 'host\n');
  });
  afterAll(() => {
    if (tools) rmSync(tools, { recursive: true, force: true });
  });

  const probeMount = () => [{ type: 'bind' as const, source: tools, destination: '/probe', options: ['rbind', 'ro'] }];

  it('default profile: threads work, clone3 is ENOSYS, namespaces/mount/keyctl/bpf refused, i386 and x32 killed', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/probe/probe'], { mounts: probeMount() }));
    expect(r.status, r.stderr + r.reportText).toBe(0);
    const p = parseProbe(r.stdout);
    expect(p).toMatchObject({
      thread: 'ok',
      clone3: 'ENOSYS',
      clone_newuser: 'EPERM',
      unshare_newuser: 'EPERM',
      unshare_newns: 'EPERM',
      mount: 'EPERM',
      umount2: 'EPERM',
      keyctl: 'EPERM',
      add_key: 'EPERM',
      bpf: 'EPERM',
      perf_event_open: 'EPERM',
      open_tree: 'EPERM',
      fsopen: 'EPERM',
      personality_norandom: 'EPERM',
      personality_query: 'ok',
      chroot_self: 'ok',
      fork: 'exit3',
      x32: 'signal31', // SIGSYS: SECCOMP_RET_KILL_PROCESS
    });
    // i386 entry: killed by the filter (SIGSYS), or SIGSEGV where the kernel has no IA32 emulation
    expect(['signal31', 'signal11']).toContain(p.i386);
  });

  it('unconfined (no filter) lets the same probe through — the refusals come from seccomp', async () => {
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/probe/probe'], { mounts: probeMount(), seccomp: undefined }));
    expect(r.status, r.stderr + r.reportText).toBe(0);
    const p = parseProbe(r.stdout);
    expect(p.clone3).toBe('EINVAL'); // reaches the kernel, which rejects the empty args
    expect(p.keyctl).not.toBe('EPERM');
    expect(p.x32).not.toBe('signal31');
    // without the filter an unprivileged user namespace can be created: the filter is what refuses it
    expect(p.unshare_newuser).toBe('ok');
  });

  it('busybox unshare -U and mount are refused', async () => {
    const r = await runBoxinit(
      baseConfig(h.root.rootfs, ['/bin/sh', '-c', 'unshare -U true; echo "unshare=$?"; mount -t tmpfs none /mnt; echo "mount=$?"']),
    );
    expect(r.stdout).toContain('unshare=1');
    expect(r.stdout).toContain('mount=');
    expect(r.stdout).not.toContain('mount=0');
  });

  it('contains the chroot escape: .. from a chroot only reaches the container root', async () => {
    const marker = path.join(tools, 'HOST-ONLY-MARKER');
    const r = await runBoxinit(baseConfig(h.root.rootfs, ['/probe/chroot-escape', marker], { mounts: probeMount() }));
    expect(r.status, r.stdout + r.stderr + r.reportText).toBe(0);
    expect(r.stdout).toBe('contained\nbusybox=yes\n');
    const visible = await runBoxinit(baseConfig(h.root.rootfs, ['/probe/chroot-escape', '/probe/HOST-ONLY-MARKER'], { mounts: probeMount() }));
    // positive control: a path that does exist at the container root is seen after the climb
    expect(visible.stdout).toBe('escaped\nbusybox=yes\n');
  });

  it('cannot write /proc/sys, /proc/sysrq-trigger or /sys; masked paths are empty', async () => {
    const r = await runBoxinit(
      baseConfig(h.root.rootfs, [
        '/bin/sh',
        '-c',
        'echo x > /proc/sys/kernel/hostname 2>/dev/null && echo procsys-writable; ' +
          'echo h > /proc/sysrq-trigger 2>/dev/null && echo sysrq-writable; ' +
          'touch /sys/kernel/x 2>/dev/null && echo sys-writable; echo 1 > /sys/kernel/profiling 2>/dev/null && echo sys-writable2; ' +
          'wc -c < /proc/timer_list; ls /sys/firmware | wc -l; ls /proc/acpi 2>/dev/null | wc -l; hostname',
      ]),
    );
    expect(r.status, r.reportText).toBe(0);
    expect(r.stdout).not.toMatch(/writable/);
    expect(r.stdout.trim().split('\n')).toEqual(['0', '0', '0', 'boxtest']);
  });

  it('--privileged style config: all capabilities, /sys writable mount, no masks', async () => {
    const caps = resolveCapabilities({ uid: 0, privileged: true });
    const r = await runBoxinit(
      baseConfig(h.root.rootfs, ['/bin/sh', '-c', 'grep CapEff /proc/self/status; grep " /sys " /proc/self/mountinfo; mkdir -p /mnt && mount -t tmpfs none /mnt && echo mounted'], {
        capabilities: caps,
        seccomp: undefined,
        maskedPaths: [],
        readonlyPaths: [],
        sysfsReadonly: false,
      }),
    );
    expect(r.status, r.reportText).toBe(0);
    // all capabilities this host lets us hold (it may withhold some, e.g. CAP_SYS_RESOURCE)
    const ours = /CapBnd:\t([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
    expect(r.stdout).toContain(`CapEff:\t${ours}`);
    expect(r.stdout).toMatch(/ \/sys rw,/);
    expect(r.stdout).toContain('mounted');
  });

  it('no_new_privs stops a setuid-root binary from elevating a non-root user', async () => {
    const setup = await runBoxinit(baseConfig(h.root.rootfs, ['/bin/sh', '-c', 'cp /probe/whoami /whoami && chmod 4755 /whoami'], { mounts: probeMount() }));
    expect(setup.status, setup.reportText).toBe(0);
    const asUser = (noNewPrivileges: boolean) =>
      runBoxinit(baseConfig(h.root.rootfs, ['/whoami'], { uid: 1000, gid: 1000, capabilities: resolveCapabilities({ uid: 1000 }), noNewPrivileges }));
    const without = await asUser(false);
    expect(without.stdout).toBe('euid=0\n'); // the setuid bit works, as it does in Docker by default
    const withNnp = await asUser(true);
    expect(withNnp.status, withNnp.reportText).toBe(0);
    expect(withNnp.stdout).toBe('euid=1000\n');
  });

  it('a bind mount destination behind a symlink stays inside the container', async () => {
    const hostDir = mkdtempSync(path.join(tmpdir(), 'tsbuild-boxinit-target-'));
    try {
      mkdirSync(path.join(h.root.base, 'upper', 'evil'), { recursive: true });
      // the same path inside the container: a correct resolution lands there
      mkdirSync(path.join(h.root.base, 'upper', hostDir), { recursive: true });
      // /evil/link -> /../../../<hostDir>: resolved in the container root it is <root>/<hostDir>
      const { symlinkSync, readdirSync } = await import('node:fs');
      symlinkSync(`/../../../..${hostDir}`, path.join(h.root.base, 'upper', 'evil', 'link'));
      const r = await runBoxinit(
        baseConfig(h.root.rootfs, ['/bin/true'], {
          mounts: [{ type: 'tmpfs', source: '', destination: '/evil/link/sub', options: [] }],
        }),
      );
      expect(r.status, r.reportText).toBe(0);
      expect(readdirSync(hostDir)).toEqual([]); // nothing created on the host
      expect(readdirSync(path.join(h.root.base, 'upper', hostDir))).toEqual(['sub']); // but in the container
    } finally {
      rmSync(hostDir, { recursive: true, force: true });
    }
  });
});
