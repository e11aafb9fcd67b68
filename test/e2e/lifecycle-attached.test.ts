// An attached container (`run` without -d, in a process of its own, as in a
// second terminal) has the same life-cycle record as a detached one: exec and
// cp reach it while it runs; after it exits diff, cp (both ways), export,
// commit and logs still work, and start/restart run it again detached under
// the same id, name and upper dir. Restart of a -d container too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { missing } from '../helpers/requires.js';
import { containerCgroups, stateOf, tsb, until } from './lifecycle-harness.js';
import { exited, ourMounts, spawnTsbuild, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('attached containers have a record; start and restart', () => {
  let h: Harness;
  let rootfs: BusyboxRootfs;
  const ids: string[] = [];
  beforeAll(async () => {
    rootfs = makeBusyboxRootfs({ tar: true });
    const tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-lc-att-'));
    h = { rootfs, root: path.join(tmp, 'root'), tmp, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
    const r = await tsb(h, ['import', '-c', 'CMD ["/bin/sh"]', rootfs.tar as string, 'lc-att:1']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const id of ids) if (stateOf(h, id)) await tsb(h, ['rm', '-f', id]);
    h?.cleanup();
    rootfs?.cleanup();
  });
  afterEach(() => {
    expect(ourMounts(h).filter((l) => !l.includes('/layers/'))).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain('tsbuild-root-');
  });

  const idOf = async (ref: string): Promise<string> => JSON.parse((await tsb(h, ['inspect', ref])).stdout)[0].Id as string;

  it('exec and cp reach an attached container; after it exits diff, cp both ways, export, commit, start and restart work', async () => {
    const script = 'echo first > /f; echo out; echo oops >&2; trap "exit 3" TERM; touch /ready; while true; do sleep 0.1; done';
    const child = spawnTsbuild(['--root', h.root, 'run', '--network', 'none', '--name', 'lc-att', 'lc-att:1', 'sh', '-c', script]);
    let out = '';
    let err = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    const done = exited(child);
    await until(async () => (await tsb(h, ['exec', 'lc-att', 'test', '-e', '/ready'])).code === 0, 60_000);
    const id = await idOf('lc-att');
    ids.push(id);
    const rec = JSON.parse(readFileSync(path.join(h.root, 'containers', id, 'lifecycle.json'), 'utf8'));
    expect(rec.detached).toBe(false);
    expect(rec.runArgv).toEqual(['--network', 'none', '--name', 'lc-att', 'lc-att:1', 'sh', '-c', script]);

    // exec: the container's pid namespace; cp into / of the running container
    expect((await tsb(h, ['exec', 'lc-att', 'sh', '-c', 'cat /f; cat /proc/1/cmdline | tr "\\0" " "'])).stdout).toBe(`first\nsh -c ${script} `);
    const hostFile = path.join(h.tmp, 'host.txt');
    writeFileSync(hostFile, 'from host\n');
    expect((await tsb(h, ['cp', hostFile, 'lc-att:/'])).code).toBe(0);
    expect((await tsb(h, ['exec', 'lc-att', 'cat', '/host.txt'])).stdout).toBe('from host\n');

    // stopped by `stop` from another "terminal": the attached run returns the container's status
    expect((await tsb(h, ['stop', '-t', '5', 'lc-att'])).code).toBe(0);
    expect((await done).code).toBe(3);
    expect(out).toBe('out\n');
    expect(err).toBe('oops\n');
    const ps = (await tsb(h, ['ps', '-a'])).stdout.split('\n').find((l) => l.endsWith('lc-att')) ?? '';
    expect(ps).toMatch(/ Exited \(3\) (Less than a second|\d+ seconds?) ago /);
    expect(containerCgroups([id])).toEqual([]);

    // diff, cp out and in, export, commit of the stopped container
    const diff = (await tsb(h, ['diff', 'lc-att'])).stdout.split('\n');
    expect(diff).toContain('A /f');
    expect(diff).toContain('A /host.txt');
    const outFile = path.join(h.tmp, 'f.out');
    const cpOut = await tsb(h, ['cp', 'lc-att:/f', outFile]);
    expect(cpOut.code, cpOut.stderr).toBe(0);
    expect(readFileSync(outFile, 'utf8')).toBe('first\n');
    const passwdIn = path.join(h.tmp, 'passwd');
    writeFileSync(passwdIn, 'changed\n');
    const cpIn = await tsb(h, ['cp', passwdIn, 'lc-att:/etc/passwd']);
    expect(cpIn.code, cpIn.stderr).toBe(0);
    expect((await tsb(h, ['diff', 'lc-att'])).stdout.split('\n')).toContain('C /etc/passwd');
    const tarFile = path.join(h.tmp, 'att.tar');
    expect((await tsb(h, ['export', '-o', tarFile, 'lc-att'])).code).toBe(0);
    expect(execFileSync('tar', ['-xOf', tarFile, 'etc/passwd'], { encoding: 'utf8' })).toBe('changed\n');
    expect(execFileSync('tar', ['-xOf', tarFile, 'f'], { encoding: 'utf8' })).toBe('first\n');
    const c = await tsb(h, ['commit', 'lc-att', 'lc-att-committed:1']);
    expect(c.code, c.stderr).toBe(0);
    expect((await tsb(h, ['run', '--rm', '--network', 'none', 'lc-att-committed:1', 'cat', '/f', '/etc/passwd'])).stdout).toBe('first\nchanged\n');
    // the attached run logged what it showed, as Docker's json-file driver does
    expect(await tsb(h, ['logs', 'lc-att'])).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'oops\n' });

    // start: detached, same id and name, the same upper dir (its files and the copied one)
    const pidBefore = stateOf(h, id)?.pid1;
    const st = await tsb(h, ['start', 'lc-att']);
    expect(st, st.stderr).toMatchObject({ code: 0, stdout: 'lc-att\n' });
    expect(await idOf('lc-att')).toBe(id);
    expect((await tsb(h, ['exec', 'lc-att', 'cat', '/f', '/host.txt', '/etc/passwd'])).stdout).toBe('first\nfrom host\nchanged\n');
    const started = stateOf(h, id) as Record<string, any>;
    expect(started.status).toBe('running');
    expect(started.pid1).not.toBe(pidBefore);
    expect(started.owner.pid).not.toBe(child.pid);
    // start of a running container changes nothing
    expect((await tsb(h, ['start', 'lc-att'])).code).toBe(0);
    expect(stateOf(h, id)?.pid1).toBe(started.pid1);

    // restart: stop (the trap exits 3), then run again; the created time stays
    const r = await tsb(h, ['restart', '-t', '5', 'lc-att']);
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: 'lc-att\n' });
    const insp = JSON.parse((await tsb(h, ['inspect', 'lc-att'])).stdout)[0];
    expect(insp.State).toMatchObject({ Status: 'running', Running: true, Restarting: false });
    expect(insp.RestartCount).toBe(0); // as Docker's: manual restarts do not count
    expect(Date.parse(insp.State.StartedAt)).toBeGreaterThan(Date.parse(insp.State.FinishedAt));
    expect(insp.Created).toBe(started.createdAt);
    expect(insp.State.Pid).not.toBe(started.pid1);
    expect((await tsb(h, ['exec', 'lc-att', 'cat', '/host.txt'])).stdout).toBe('from host\n');
    // every run's output is in the log: the attached one, start's and restart's
    await until(async () => (await tsb(h, ['logs', 'lc-att'])).stdout === 'out\nout\nout\n');
    expect((await tsb(h, ['logs', 'lc-att'])).stderr).toBe('oops\noops\noops\n');

    expect((await tsb(h, ['rm', '-f', 'lc-att'])).code).toBe(0);
    expect(stateOf(h, id)).toBeUndefined();
    expect(containerCgroups([id])).toEqual([]);
  });

  it('restart of a -d container (also --rm): same id, name and upper dir, a new PID 1; ps/inspect while restarting', async () => {
    const r = await tsb(h, ['run', '-d', '--network', 'none', '--name', 'lc-rd', 'lc-att:1', 'sh', '-c', 'echo run >> /runs; exec sleep 1000']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    ids.push(id);
    const pid1 = stateOf(h, id)?.pid1;
    const t0 = Date.now();
    const re = await tsb(h, ['restart', '-t', '0', id.slice(0, 12)]);
    expect(re.code, re.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(stateOf(h, id)?.pid1).not.toBe(pid1);
    expect((await tsb(h, ['exec', 'lc-rd', 'cat', '/runs'])).stdout).toBe('run\nrun\n');
    // while it restarts (stopped, the new monitor not yet running): ps and inspect say so, as Docker's
    const restarting = tsb(h, ['restart', '-t', '0', 'lc-rd']);
    let seen: { insp: any; ps: string } | undefined;
    await until(async () => {
      const insp = JSON.parse((await tsb(h, ['inspect', 'lc-rd'])).stdout)[0];
      if (insp.State.Status === 'restarting') seen ??= { insp, ps: (await tsb(h, ['ps'])).stdout };
      return seen !== undefined || (await Promise.race([restarting.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1))]));
    }, 30_000);
    expect((await restarting).code).toBe(0);
    expect(seen, 'the restarting window was not seen').toBeDefined();
    expect(seen?.insp.State).toMatchObject({ Status: 'restarting', Running: true, Restarting: true, ExitCode: 137 });
    expect(seen?.ps.split('\n').find((l) => l.endsWith('lc-rd'))).toMatch(/ Restarting \(137\) (Less than a second|\d+ seconds?) ago /);
    expect(JSON.parse((await tsb(h, ['inspect', 'lc-rd'])).stdout)[0].State).toMatchObject({ Status: 'running', Restarting: false });
    expect((await tsb(h, ['exec', 'lc-rd', 'cat', '/runs'])).stdout).toBe('run\nrun\nrun\n');
    // restart of an exited container starts it
    expect((await tsb(h, ['stop', '-t', '0', 'lc-rd'])).code).toBe(0);
    expect((await tsb(h, ['restart', 'lc-rd'])).code).toBe(0);
    expect((await tsb(h, ['exec', 'lc-rd', 'cat', '/runs'])).stdout).toBe('run\nrun\nrun\nrun\n');
    expect((await tsb(h, ['rm', '-f', 'lc-rd'])).code).toBe(0);

    // a --rm container stays through a restart (same id, its anonymous volume) and goes when it stops
    const rm = await tsb(h, ['run', '-d', '--rm', '--network', 'none', '-v', '/scratch', 'lc-att:1', 'sh', '-c', 'echo r >> /scratch/runs; exec sleep 1000']);
    expect(rm.code, rm.stderr).toBe(0);
    const rmId = rm.stdout.trim();
    ids.push(rmId);
    const vols = (await tsb(h, ['volume', 'ls', '-q'])).stdout;
    const re2 = await tsb(h, ['restart', '-t', '0', rmId]);
    expect(re2.code, re2.stderr).toBe(0);
    expect(stateOf(h, rmId)?.status).toBe('running');
    expect((await tsb(h, ['exec', rmId, 'cat', '/scratch/runs'])).stdout).toBe('r\nr\n');
    expect((await tsb(h, ['volume', 'ls', '-q'])).stdout).toBe(vols);
    expect((await tsb(h, ['stop', '-t', '0', rmId])).code).toBe(0);
    await until(() => stateOf(h, rmId) === undefined);
    await until(async () => (await tsb(h, ['volume', 'ls', '-q'])).stdout.split('\n').length < vols.split('\n').length, 10_000);
    expect((await tsb(h, ['restart', 'no-such-container'])).stderr).toMatch(/no such container/);
  });

  it('an attached -t run logs what its pty showed, as stdout (Docker logs a tty container so)', async () => {
    const r = await tsb(h, ['run', '-t', '--name', 'lc-tty', '--network', 'none', 'lc-att:1', 'sh', '-c', 'echo hi; echo err >&2; [ -t 1 ] && echo on-a-tty']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('hi\r\nerr\r\non-a-tty\r\n');
    ids.push(await idOf('lc-tty'));
    expect(await tsb(h, ['logs', 'lc-tty'])).toMatchObject({ code: 0, stdout: 'hi\r\nerr\r\non-a-tty\r\n', stderr: '' });
    expect((await tsb(h, ['rm', 'lc-tty'])).code).toBe(0);
  });

  it('start -a shows this run’s output (not an earlier run’s), stdout and stderr apart, and exits with its status', async () => {
    const script = 'n=$(cat /n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /n; echo "run $n"; echo "err $n" >&2; exit $((n+4))';
    const r = await tsb(h, ['run', '--name', 'lc-sa', '--network', 'none', 'lc-att:1', 'sh', '-c', script]);
    expect(r).toMatchObject({ code: 5, stdout: 'run 1\n', stderr: 'err 1\n' });
    ids.push(await idOf('lc-sa'));
    const a = await tsb(h, ['start', '-a', 'lc-sa']);
    expect(a).toMatchObject({ code: 6, stdout: 'run 2\n', stderr: 'err 2\n' });
    expect((await tsb(h, ['start', '-a', 'lc-sa', 'lc-att'])).code).toBe(2);
    expect((await tsb(h, ['rm', 'lc-sa'])).code).toBe(0);
  });

  it('start -a passes SIGTERM on to the container and exits with the status its trap gives', async () => {
    const script = 'trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done';
    const r = await tsb(h, ['run', '-d', '--name', 'lc-sig', '--network', 'none', 'lc-att:1', 'sh', '-c', script]);
    expect(r.code, r.stderr).toBe(0);
    ids.push(await idOf('lc-sig'));
    expect((await tsb(h, ['kill', 'lc-sig'])).code).toBe(0);
    await until(async () => stateOf(h, await idOf('lc-sig'))?.status === 'exited');
    const child = spawnTsbuild(['--root', h.root, 'start', '-a', 'lc-sig']);
    const done = exited(child);
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    await until(async () => out.includes('ready'));
    child.kill('SIGTERM');
    expect((await done).code).toBe(7);
    expect(out).toBe('ready\ngot-term\n');
    expect((await tsb(h, ['rm', 'lc-sig'])).code).toBe(0);
  });

  it('rm -f of an attached container from another terminal: the attached run ends with 137 and no error, nothing is left', async () => {
    const child = spawnTsbuild(['--root', h.root, 'run', '--network', 'none', '--name', 'lc-att-rm', 'lc-att:1', 'sh', '-c', 'touch /ready; exec sleep 1000']);
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    const done = exited(child);
    await until(async () => (await tsb(h, ['exec', 'lc-att-rm', 'test', '-e', '/ready'])).code === 0, 60_000);
    const id = await idOf('lc-att-rm');
    ids.push(id);
    const rm = await tsb(h, ['rm', '-f', 'lc-att-rm']);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await done).code).toBe(137);
    expect(err).toBe('');
    expect(stateOf(h, id)).toBeUndefined();
    expect(containerCgroups([id])).toEqual([]);
    expect((await tsb(h, ['ps', '-a', '-q'])).stdout).not.toContain(id.slice(0, 12));
  });

  it('restart and start with the vfs driver keep the container’s own copy of the image (and what cp put there)', async () => {
    const r = await tsb(h, ['run', '-d', '--storage-driver', 'vfs', '--network', 'none', 'lc-att:1', 'sh', '-c', 'echo x >> /runs; exec sleep 1000']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    ids.push(id);
    expect((await tsb(h, ['restart', '-t', '0', id])).code).toBe(0);
    expect((await tsb(h, ['stop', '-t', '0', id])).code).toBe(0);
    const f = path.join(h.tmp, 'vfs-in');
    writeFileSync(f, 'copied\n');
    expect((await tsb(h, ['cp', f, `${id}:/copied`])).code).toBe(0);
    expect((await tsb(h, ['start', id])).code).toBe(0);
    expect((await tsb(h, ['exec', id, 'cat', '/runs', '/copied'])).stdout).toBe('x\nx\nx\ncopied\n');
    expect((await tsb(h, ['rm', '-f', id])).code).toBe(0);
  });
});
