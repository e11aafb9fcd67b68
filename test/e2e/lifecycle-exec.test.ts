// exec -t (a new pseudo-terminal with the caller's window size) and
// exec -u NAME[:GROUP] (names from the container's own /etc/passwd and
// /etc/group, read inside its root: a link there never leads onto the host).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { missing } from '../helpers/requires.js';
import { stateOf, tsb, until } from './lifecycle-harness.js';
import { makeHarness, ourMounts, type Harness } from './run-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

/** a terminal-sized output stream, as a caller's terminal would be */
class SizedCollect extends Writable {
  text = '';
  constructor(
    readonly rows: number,
    readonly columns: number,
  ) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString('utf8');
    cb();
  }
}

describe.skipIf(!!why)('exec -t and exec -u NAME', () => {
  let h: Harness;
  let id = '';
  beforeAll(async () => {
    h = makeHarness();
    const script = 'echo "late:x:2000:2001:late:/tmp:/bin/sh" >> /etc/passwd; echo "lategrp:x:2001:" >> /etc/group; echo "extra:x:3000:late" >> /etc/group; touch /ready; exec sleep 1000';
    const r = await tsb(h, ['run', '-d', '--network', 'none', '--rootfs', h.rootfs.dir, 'sh', '-c', script]);
    expect(r.code, r.stderr).toBe(0);
    id = r.stdout.trim();
    await until(async () => (await tsb(h, ['exec', id, 'test', '-e', '/ready'])).code === 0);
  });
  afterAll(async () => {
    if (id && stateOf(h, id)) await tsb(h, ['rm', '-f', id]);
    h?.cleanup();
  });
  afterEach(() => {
    expect(ourMounts(h)).toEqual([]);
  });

  const execSized = async (rows: number, cols: number, args: string[], input = ''): Promise<{ code: number; out: string; err: string }> => {
    const stdout = new SizedCollect(rows, cols);
    const stderr = new SizedCollect(rows, cols);
    const stdin = new PassThrough();
    stdin.end(input);
    const code = await main(['--root', h.root, 'exec', ...args], { stdout, stderr, stdin, env: { ...process.env }, cwd: h.tmp });
    return { code, out: stdout.text, err: stderr.text };
  };

  it('-t gives the command a new terminal of the caller’s size; output comes through it (CR LF), stderr too', async () => {
    const r = await execSized(33, 101, ['-t', id, 'sh', '-c', 'tty; stty size; echo to-stderr >&2; test -t 0 && echo stdin-is-tty; exit 4']);
    expect(r.code).toBe(4);
    const lines = r.out.split('\r\n');
    expect(lines[0]).toMatch(/^\/dev\/pts\/\d+$/);
    expect(lines.slice(1)).toEqual(['33 101', 'to-stderr', 'stdin-is-tty', '']);
    expect(r.err).toBe('');
    // without -t: no terminal
    const plain = await execSized(33, 101, [id, 'sh', '-c', 'tty || true']);
    expect(plain.out).toBe('not a tty\n');
    // -i -t: input reaches the command through the terminal (echoed by it)
    const it2 = await execSized(24, 80, ['-i', '-t', id, 'sh', '-c', 'read x; echo "got $x"'], 'hello\n');
    expect(it2.code).toBe(0);
    expect(it2.out).toContain('got hello\r\n');
  });

  it('-u resolves names in the container’s own /etc/passwd and /etc/group (added after the start)', async () => {
    expect((await tsb(h, ['exec', '-u', 'late', id, 'id'])).stdout).toBe('uid=2000(late) gid=2001(lategrp) groups=3000(extra)\n');
    expect((await tsb(h, ['exec', '-u', 'late:wheel', id, 'id'])).stdout).toBe('uid=2000(late) gid=10(wheel)\n');
    expect((await tsb(h, ['exec', '-u', 'app', id, 'sh', '-c', 'id -u; id -g'])).stdout).toBe('1000\n1000\n');
    expect((await tsb(h, ['exec', '-u', '4321:77', id, 'sh', '-c', 'id -u; id -g'])).stdout).toBe('4321\n77\n');
    const ghost = await tsb(h, ['exec', '-u', 'ghost', id, 'id']);
    expect(ghost.code).toBe(125);
    expect(ghost.stderr).toMatch(/user "ghost": no matching entries in the container's \/etc\/passwd/);
    const noGroup = await tsb(h, ['exec', '-u', 'late:nogrp', id, 'id']);
    expect(noGroup.stderr).toMatch(/no group "nogrp"/);
  });

  it('-u never reads a passwd file of the host through a link in the container', async () => {
    const hostPasswd = path.join(h.tmp, 'host-passwd');
    writeFileSync(hostPasswd, 'hostonly:x:4242:4242::/:/bin/sh\n');
    expect((await tsb(h, ['exec', id, 'sh', '-c', `mv /etc/passwd /etc/passwd.real; ln -s ${hostPasswd} /etc/passwd`])).code).toBe(0);
    try {
      const r = await tsb(h, ['exec', '-u', 'hostonly', id, 'id']);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/the container has no \/etc\/passwd/);
      // a relative climb out of the root ends at the container's root
      expect((await tsb(h, ['exec', id, 'sh', '-c', `rm /etc/passwd; ln -s ../../../../../../..${hostPasswd} /etc/passwd`])).code).toBe(0);
      expect((await tsb(h, ['exec', '-u', 'hostonly', id, 'id'])).code).toBe(125);
    } finally {
      await tsb(h, ['exec', id, 'sh', '-c', 'rm -f /etc/passwd; mv /etc/passwd.real /etc/passwd']);
    }
    expect((await tsb(h, ['exec', '-u', 'late', id, 'id', '-u'])).stdout).toBe('2000\n');
  });

  it('exec into a paused container is refused at once (its process would hang in the frozen cgroup)', async () => {
    expect((await tsb(h, ['pause', id])).code).toBe(0);
    try {
      const t0 = Date.now();
      const r = await tsb(h, ['exec', id, 'true']);
      expect(r.code).toBe(125);
      expect(r.stderr).toMatch(/is paused: unpause it before exec/);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      expect((await tsb(h, ['unpause', id])).code).toBe(0);
    }
    expect((await tsb(h, ['exec', id, 'echo', 'ok'])).stdout).toBe('ok\n');
  });
});
