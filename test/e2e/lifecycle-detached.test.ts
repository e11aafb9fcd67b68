// The daemonless life cycle end to end, as root on the busybox rootfs:
// run -d (a monitor per container), logs, exec, stop, kill, wait, rm, ps,
// inspect, and a monitor killed with SIGKILL reconciled by the next command.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { containerCgroups, netnsFiles, stateOf, tsb, until } from './lifecycle-harness.js';
import { alive, makeHarness, ourMounts, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('container life cycle: run -d and the commands around it', () => {
  let h: Harness;
  const ids: string[] = [];
  const detached = async (args: string[]): Promise<string> => {
    const r = await tsb(h, ['run', '-d', '--network', 'none', '--rootfs', h.rootfs.dir, ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const id = r.stdout.trim().split('\n').at(-1) as string;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    ids.push(id);
    return id;
  };
  beforeAll(() => {
    h = makeHarness();
  });
  afterAll(async () => {
    for (const id of ids) if (stateOf(h, id)) await tsb(h, ['rm', '-f', id]);
    h?.cleanup();
  });
  afterEach(() => {
    expect(ourMounts(h)).toEqual([]);
  });

  it('run -d returns while the container runs; logs keep stdout and stderr apart; exec joins it; stop and rm clean up', async () => {
    const id = await detached(['--name', 'lc-web', 'sh', '-c', 'echo hello; echo oops >&2; echo $$ > /tmp/pid1; while true; do sleep 1; done']);
    const st = stateOf(h, id) as Record<string, any>;
    expect(st.status).toBe('running');
    // the monitor owns it, not us
    expect(st.owner.pid).not.toBe(process.pid);
    expect(alive(st.owner.pid)).toBe(true);

    const ps = await tsb(h, ['ps']);
    const lines = ps.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    expect(lines[1]).toMatch(new RegExp(`^${id.slice(0, 12)} .* Up (Less than a second|\\d+ seconds?) .*lc-web$`));

    await until(async () => (await tsb(h, ['logs', 'lc-web'])).stderr === 'oops\n');
    const logs = await tsb(h, ['logs', 'lc-web']);
    expect(logs.stdout).toBe('hello\n');
    expect(logs.stderr).toBe('oops\n');
    const stamped = await tsb(h, ['logs', '-t', '--tail', '1', 'lc-web']);
    expect(stamped.stdout + stamped.stderr).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z oops\n$/);
    const raw = readFileSync(path.join(h.root, 'containers', id, 'ctr.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(raw.map((e: any) => [e.stream, e.log])).toEqual([['stdout', 'hello\n'], ['stderr', 'oops\n']]);

    // exec: same pid namespace (sees PID 1's file and pid), same cgroup, same capabilities
    const ex = await tsb(h, ['exec', '-e', 'X=42', '-w', '/tmp', id.slice(0, 8), 'sh', '-c', 'cat pid1; echo $X; pwd; grep CapEff /proc/self/status; grep CapEff /proc/1/status; cat /proc/self/cgroup | grep memory']);
    expect(ex.stderr).toBe('');
    expect(ex.code).toBe(0);
    const [pid1, x, wd, capSelf, capOne, memcg] = ex.stdout.trim().split('\n');
    expect([pid1, x, wd]).toEqual(['1', '42', '/tmp']);
    expect(capSelf).toBe(capOne?.replace('CapEff', 'CapEff'));
    expect(capSelf).not.toBe('CapEff:\t000001ffffffffff');
    expect(memcg).toMatch(/memory:\/$/); // the cgroup namespace is rooted at the container's cgroup
    const exit = await tsb(h, ['exec', 'lc-web', 'sh', '-c', 'exit 7']);
    expect(exit.code).toBe(7);

    const insp = JSON.parse((await tsb(h, ['inspect', 'lc-web'])).stdout)[0];
    expect(insp.Id).toBe(id);
    expect(insp.Name).toBe('/lc-web');
    expect(insp.State).toMatchObject({ Status: 'running', Running: true, Paused: false, ExitCode: 0, OOMKilled: false });
    expect(insp.State.Pid).toBe(st.pid1);
    const cgroups = containerCgroups([id]);
    expect(cgroups.length).toBeGreaterThan(0);

    const t0 = Date.now();
    const stop = await tsb(h, ['stop', '-t', '1', 'lc-web']);
    expect(stop.code).toBe(0);
    // sh as PID 1 ignores SIGTERM: SIGKILL after 1 s
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    const after = await tsb(h, ['ps', '-a', '--format', 'json']);
    const row = after.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.Names === 'lc-web');
    expect(row.State).toBe('exited');
    expect(row.Status).toMatch(/^Exited \(137\) /);
    expect((await tsb(h, ['ps', '-q'])).stdout).not.toContain(id.slice(0, 12));
    expect(alive(st.owner.pid)).toBe(false);
    expect(containerCgroups([id])).toEqual([]);
    // logs after exit
    expect((await tsb(h, ['logs', 'lc-web'])).stdout).toBe('hello\n');
    expect((await tsb(h, ['exec', 'lc-web', 'true'])).code).toBe(125);

    expect((await tsb(h, ['rm', 'lc-web'])).code).toBe(0);
    expect(existsSync(path.join(h.root, 'containers', id))).toBe(false);
    expect((await tsb(h, ['inspect', 'lc-web'])).code).not.toBe(0);
    // the name is free again
    const again = await detached(['--name', 'lc-web', 'true']);
    expect((await tsb(h, ['wait', again])).stdout).toBe('0\n');
    expect((await tsb(h, ['rm', 'lc-web'])).code).toBe(0);
  });

  it('wait prints the exit code; kill -s delivers the signal; rm refuses a running container without -f', async () => {
    // a command that cannot be exec'd fails run -d itself, as Docker's does
    const bad = await tsb(h, ['run', '-d', '--network', 'none', '--rootfs', h.rootfs.dir, 'nosuchcmd']);
    expect(bad.code).toBe(127);
    expect(bad.stderr).toMatch(/nosuchcmd: not found/);
    expect(bad.stdout).toBe('');
    const a = await detached(['sh', '-c', 'sleep 0.3; exit 3']);
    expect((await tsb(h, ['wait', a])).stdout).toBe('3\n');
    // a --rm container is gone at its end; wait still gets its status
    const gone = await detached(['--rm', 'sh', '-c', 'sleep 0.5; exit 9']);
    const w = await tsb(h, ['wait', gone]);
    expect(w, w.stderr).toMatchObject({ code: 0, stdout: '9\n' });
    expect(stateOf(h, gone)).toBeUndefined();
    const row = JSON.parse((await tsb(h, ['ps', '-a', '--format', 'json'])).stdout.trim().split('\n').find((l) => l.includes(a.slice(0, 12))) as string);
    expect(row.Status).toMatch(/^Exited \(3\) /);
    expect(JSON.parse((await tsb(h, ['inspect', a])).stdout)[0].State).toMatchObject({ Status: 'exited', ExitCode: 3, Running: false });

    const b = await detached(['sh', '-c', "trap 'echo got-usr1; exit 5' USR1; while true; do sleep 0.1; done"]);
    const refused = await tsb(h, ['rm', b]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/running/);
    expect((await tsb(h, ['kill', '-s', 'USR1', b])).code).toBe(0);
    expect((await tsb(h, ['wait', b])).stdout).toBe('5\n');
    expect((await tsb(h, ['logs', b])).stdout).toBe('got-usr1\n');
    const c = await detached(['sleep', '100']);
    expect((await tsb(h, ['rm', '-f', c])).code).toBe(0);
    expect(stateOf(h, c)).toBeUndefined();
    expect(containerCgroups([a, b, c])).toEqual([]);
    for (const x of [a, b]) expect((await tsb(h, ['rm', x])).code).toBe(0);
  });

  it('rename moves the name; port shows the bound port, reachable as soon as run -d returned', async () => {
    const r = await tsb(h, ['run', '-d', '--name', 'lc-old', '-p', '127.0.0.1::80', '--rootfs', h.rootfs.dir, 'sh', '-c', 'mkdir -p /www && echo served > /www/index.html && exec httpd -f -p 80 -h /www']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    ids.push(id);
    const port = (await tsb(h, ['port', 'lc-old', '80/tcp'])).stdout.trim();
    expect(port).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await tsb(h, ['port', 'lc-old'])).stdout).toBe(`80/tcp -> ${port}\n`);
    const body = await until(async () => {
      try {
        return (await (await fetch(`http://${port}/`)).text()) === 'served\n';
      } catch {
        return false;
      }
    }, 10_000).then(() => true);
    expect(body).toBe(true);
    expect((await tsb(h, ['rename', 'lc-old', 'lc-new'])).code).toBe(0);
    expect((await tsb(h, ['inspect', 'lc-new'])).stdout).toContain('"Name": "/lc-new"');
    expect((await tsb(h, ['inspect', 'lc-old'])).code).not.toBe(0);
    expect((await tsb(h, ['ps'])).stdout).toMatch(/127\.0\.0\.1:\d+->80\/tcp +lc-new\n/);
    expect((await tsb(h, ['rm', '-f', 'lc-new'])).code).toBe(0);
    // both names are free again
    expect((await tsb(h, ['rename', id, 'x'])).code).not.toBe(0);
    const again = await detached(['--name', 'lc-new', 'true']);
    expect((await tsb(h, ['wait', 'lc-new'])).stdout).toBe('0\n');
    expect((await tsb(h, ['rm', again])).code).toBe(0);
  });

  it('logs -f follows the output until the container ends', async () => {
    const id = await detached(['sh', '-c', 'echo a; sleep 1; echo b >&2; sleep 0.5; echo c']);
    const t0 = Date.now();
    const f = await tsb(h, ['logs', '-f', id]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(f).toMatchObject({ code: 0, stdout: 'a\nc\n', stderr: 'b\n' });
    expect((await tsb(h, ['logs', '--tail', '2', id])).stdout).toBe('c\n');
    expect((await tsb(h, ['rm', id])).code).toBe(0);
  });

  it('run -d --rm removes the container once it exits', async () => {
    const id = await detached(['--rm', 'sh', '-c', 'sleep 0.5']);
    await until(() => !existsSync(path.join(h.root, 'containers', id)));
    expect(containerCgroups([id])).toEqual([]);
    expect((await tsb(h, ['ps', '-a', '-q'])).stdout).not.toContain(id.slice(0, 12));
  });

  it('a monitor killed with SIGKILL: the next command shows the container exited and removes its process, cgroup and netns', async () => {
    const r = await tsb(h, ['run', '-d', '--rootfs', h.rootfs.dir, 'sleep', '1000']); // bridge: a veth and a netns
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    ids.push(id);
    const st = stateOf(h, id) as Record<string, any>;
    expect(containerCgroups([id]).length).toBeGreaterThan(0);
    expect(netnsFiles([id]).length).toBe(1);
    // the monitor was started by this test (through run -d): kill it by its pid + start time
    const monStart = readFileSync(`/proc/${st.owner.pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19];
    expect(monStart).toBe(st.owner.startTime);
    process.kill(st.owner.pid, 'SIGKILL');
    await until(() => !alive(st.owner.pid));
    const ps = await tsb(h, ['ps', '-a', '--format', 'json']);
    const row = JSON.parse(ps.stdout.trim().split('\n').find((l) => l.includes(id.slice(0, 12))) as string);
    expect(row.State).toBe('exited');
    expect(row.Status).toMatch(/^Exited \(137\)/);
    expect(alive(st.process.pid) && readFileSync(`/proc/${st.process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19] === st.process.startTime).toBe(false);
    expect(containerCgroups([id])).toEqual([]);
    expect(netnsFiles([id])).toEqual([]);
    expect((await tsb(h, ['rm', id])).code).toBe(0);
  });
});

describe.skipIf(!!why)('container life cycle: pause, stats, top', () => {
  let h: Harness;
  beforeAll(() => {
    h = makeHarness();
  });
  afterAll(() => h?.cleanup());

  it('pause stops a counter and unpause resumes it; top lists the cgroup processes from /proc; stats reads the cgroup', async () => {
    const r = await tsb(h, ['run', '-d', '--network', 'none', '--memory', '64m', '--rootfs', h.rootfs.dir, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done']);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    try {
      const count = async () => Number((await tsb(h, ['exec', id, 'cat', '/tmp/n'])).stdout.trim());
      await until(async () => (await count()) > 2);
      expect((await tsb(h, ['pause', id])).code).toBe(0);
      const ps = JSON.parse((await tsb(h, ['ps', '--format', 'json'])).stdout.trim().split('\n').find((l) => l.includes(id.slice(0, 12))) as string);
      expect(ps.Status).toMatch(/\(Paused\)$/);
      expect(JSON.parse((await tsb(h, ['inspect', id])).stdout)[0].State).toMatchObject({ Status: 'paused', Paused: true, Running: true });
      const st = stateOf(h, id) as Record<string, any>;
      const upper = path.join(st.paths.upper as string, 'tmp', 'n');
      const frozen = readFileSync(upper, 'utf8');
      await new Promise((res) => setTimeout(res, 600));
      expect(readFileSync(upper, 'utf8')).toBe(frozen);
      expect((await tsb(h, ['unpause', id])).code).toBe(0);
      await until(() => readFileSync(upper, 'utf8') !== frozen, 5000);

      const top = (await tsb(h, ['top', id])).stdout.trim().split('\n');
      expect(top[0]).toMatch(/^UID +PID +PPID +TIME +CMD$/);
      expect(top.some((l) => new RegExp(`^0 +${st.pid1} +\\d+ +\\d\\d:\\d\\d:\\d\\d +sh -c i=0`).test(l))).toBe(true);

      const stats = (await tsb(h, ['stats', '--no-stream', id])).stdout.trim().split('\n');
      expect(stats[0]).toMatch(/^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +PIDS$/);
      expect(stats[1]).toMatch(new RegExp(`^${id.slice(0, 12)} .* \\d+\\.\\d\\d% .* / 64MiB +\\d+\\.\\d\\d% +[1-9]\\d*$`));
      // stop thaws a paused container first
      expect((await tsb(h, ['pause', id])).code).toBe(0);
      expect((await tsb(h, ['stop', '-t', '1', id])).code).toBe(0);
      expect(JSON.parse((await tsb(h, ['inspect', id])).stdout)[0].State.Status).toBe('exited');
    } finally {
      await tsb(h, ['rm', '-f', id]);
    }
  });
});
