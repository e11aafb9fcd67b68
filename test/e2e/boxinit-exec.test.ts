// `boxinit --exec`: a second process in a running container, with the same
// user, capability and seccomp setup as `run`.
import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boxinitExecArgv, encodeBoxinitExecConfig, type BoxinitExecConfig } from '../../src/runtime/boxinit-exec.js';
import { DEFAULT_NAMESPACES, parseBoxinitReport } from '../../src/runtime/boxinit-protocol.js';
import { resolveCapabilities } from '../../src/runtime/capabilities.js';
import { compileSeccomp, DOCKER_DEFAULT_PROFILE } from '../../src/runtime/seccomp/index.js';
import { baseConfig, boxinitSkipReason, runBoxinit, useBoxinitHarness } from '../helpers/boxinit-run.js';

const why = boxinitSkipReason('root', 'overlay', 'unshare', 'busybox');

function execConfig(targetPid: number, argv: string[], over: Partial<BoxinitExecConfig> = {}): BoxinitExecConfig {
  const uid = over.uid ?? 0;
  const capabilities = resolveCapabilities({ uid });
  return {
    targetPid,
    namespaces: DEFAULT_NAMESPACES,
    cgroupProcs: [],
    cwd: '/',
    argv,
    env: ['PATH=/bin'],
    uid,
    gid: 0,
    additionalGids: [],
    capabilities,
    noNewPrivileges: false,
    seccomp: compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities: capabilities.bounding }).program,
    ...over,
  };
}

function execInto(c: BoxinitExecConfig): Promise<{ status: number; stdout: string; report: ReturnType<typeof parseBoxinitReport> }> {
  const argv = boxinitExecArgv(c);
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit', 'pipe', 'pipe'] });
  (child.stdio[3] as Writable).end(encodeBoxinitExecConfig(c));
  let stdout = '';
  let report = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d));
  (child.stdio[4] as Readable).on('data', (d: Buffer) => (report += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ status: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, report: parseBoxinitReport(report) }));
  });
}

describe.skipIf(!!why)('boxinit --exec', () => {

  const h = useBoxinitHarness();

  it('runs a process inside the running container with its namespaces, caps and seccomp', async () => {
    let pid1 = 0;
    let container!: ReturnType<typeof runBoxinit>;
    // exec only into a container whose command runs (its setup — pivot_root — is done)
    // the pid report and the command's output travel on different pipes: wait for both
    let pidKnown!: () => void;
    const gotPid = new Promise<void>((res) => (pidKnown = res));
    const started = new Promise<void>((res) => {
      container = runBoxinit(baseConfig(h.root.rootfs, ['/bin/sh', '-c', 'echo marker > /inside; echo started; exec sleep 20']), {
        onPid: (p) => {
          pid1 = p;
          pidKnown();
        },
        onSpawn: (child) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('started') && res()),
      });
    });
    await Promise.all([started, gotPid]);
    expect(pid1).toBeGreaterThan(1);
    try {
      const r = await execInto(
        execConfig(pid1, ['/bin/sh', '-c', 'echo pid=$$; hostname; cat /inside; tr "\\0" " " < /proc/1/cmdline; echo; grep -E "^(CapEff|Seccomp):" /proc/self/status; id -u; pwd'], {
          cwd: '/tmp',
        }),
      );
      expect(r.status, JSON.stringify(r.report)).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^pid=\d+$/);
      expect(lines[0]).not.toBe('pid=1');
      expect(lines.slice(1)).toEqual(['boxtest', 'marker', 'sleep 20 ', 'CapEff:\t00000000a80425fb', 'Seccomp:\t2', '0', '/tmp']);
      expect(r.report.pid).toBeGreaterThan(1);

      const user = await execInto(execConfig(pid1, ['/bin/sh', '-c', 'id -u; grep CapEff /proc/self/status; exit 9'], { uid: 1000, gid: 1000 }));
      expect(user.status).toBe(9);
      expect(user.stdout).toBe('1000\nCapEff:\t0000000000000000\n');

      const missingCmd = await execInto(execConfig(pid1, ['nope']));
      expect(missingCmd.status).toBe(127);
      expect(missingCmd.report.error?.message).toBe('exec: nope: not found');
    } finally {
      // never kill(0) or kill(-1): that would hit the test runner's own process group
      if (pid1 > 1) process.kill(pid1, 'SIGKILL');
      expect((await container).status).toBe(137);
    }
  });
});
