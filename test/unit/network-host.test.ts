// The host-wide lock and state file (in a temp TSBUILD_RUN_DIR) and the port
// proxies, on loopback only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readNetworkState, updateNetworkState } from '../../src/runtime/network/host-state.js';
import { withLock } from '../../src/runtime/network/lock.js';
import { startPortProxies } from '../../src/runtime/network/proxy.js';

describe('host-wide state', () => {
  let tmp: string;
  let before: string | undefined;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-net-'));
    before = process.env.TSBUILD_RUN_DIR;
    process.env.TSBUILD_RUN_DIR = tmp;
  });
  afterEach(() => {
    if (before === undefined) delete process.env.TSBUILD_RUN_DIR;
    else process.env.TSBUILD_RUN_DIR = before;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('serializes concurrent updates (no lost allocation)', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        updateNetworkState(async (s) => {
          const n = Object.keys(s.allocations).length;
          await new Promise((r) => setTimeout(r, 1));
          s.allocations[`c${i}`] = { id: `c${i}`, owner: { pid: 1, startTime: '0' }, netns: `/x/${n}`, ports: [] };
        }),
      ),
    );
    const s = await readNetworkState();
    expect(Object.keys(s.allocations)).toHaveLength(20);
    expect(new Set(Object.values(s.allocations).map((a) => a.netns)).size).toBe(20);
  });

  it('breaks a lock whose owner is dead, waits for a live one', async () => {
    const lock = path.join(tmp, 'lock');
    writeFileSync(lock, JSON.stringify({ pid: 999999999, startTime: '1' }));
    expect(await withLock(lock, async () => 'got it', 2000)).toBe('got it');
    writeFileSync(lock, JSON.stringify({ pid: 1, startTime: (await import('../../src/runtime/state.js').then((m) => m.processStartTime(1))) ?? '' }));
    await expect(withLock(lock, async () => 'never', 100)).rejects.toThrow(/timed out waiting for the lock/);
  });
});

describe('port proxies (loopback)', () => {
  it('relays TCP both ways and fills in a random host port; frees it on close', async () => {
    const echo = createServer((s) => s.on('data', (d) => s.end(`echo:${d}`)));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const target = (echo.address() as { port: number }).port;
    const p = await startPortProxies([{ hostIp: '127.0.0.1', hostPort: 0, containerPort: target, protocol: 'tcp' }], '127.0.0.1');
    const port = p.ports[0]?.hostPort as number;
    expect(port).toBeGreaterThan(0);
    const reply = await new Promise<string>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => c.write('hi'));
      let text = '';
      c.on('data', (d) => (text += d)).on('end', () => resolve(text)).on('error', reject);
    });
    expect(reply).toBe('echo:hi');
    // the port is taken: a second proxy on it fails naming the flag
    await expect(startPortProxies([{ hostIp: '127.0.0.1', hostPort: port, containerPort: target, protocol: 'tcp' }], '127.0.0.1')).rejects.toThrow(/-p 127\.0\.0\.1:\d+:\d+\/tcp: cannot bind.*already in use/);
    await p.close();
    const again = await startPortProxies([{ hostIp: '127.0.0.1', hostPort: port, containerPort: target, protocol: 'tcp' }], '127.0.0.1');
    await again.close();
    echo.close();
  });

  it('relays UDP datagrams and replies', async () => {
    const server = createSocket('udp4');
    server.on('message', (m, from) => server.send(`pong:${m}`, from.port, from.address));
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
    const p = await startPortProxies([{ hostIp: '127.0.0.1', hostPort: 0, containerPort: server.address().port, protocol: 'udp' }], '127.0.0.1');
    const client = createSocket('udp4');
    const reply = new Promise<string>((r) => client.once('message', (m) => r(m.toString())));
    client.send('ping', p.ports[0]?.hostPort as number, '127.0.0.1');
    expect(await reply).toBe('pong:ping');
    client.close();
    await p.close();
    server.close();
  });
});
