// bin/tsbuild, the command users run, starts node without NODE_EXTRA_CA_CERTS
// (node would build its CA store from the file at start-up, on every command)
// and hands the file on as TSBUILD_EXTRA_CA_CERTS; tsbuild still trusts it
// wherever it verifies TLS: an ADD URL over HTTPS (with a redirect) from a
// server whose certificate only that file vouches for, a registry pulled with
// --tls-verify=true, and `-e NODE_EXTRA_CA_CERTS` sees the user's value.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRef } from '../../src/image/refs.js';
import { push } from '../../src/image/registry/push.js';
import { ImageStore } from '../../src/image/store.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { importTar, startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { missing } from '../helpers/requires.js';
import { ensureNative, repo } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');
const bin = path.join(repo, 'bin', 'tsbuild');

describe.skipIf(!!why)('bin/tsbuild defers NODE_EXTRA_CA_CERTS and still trusts it', () => {
  let tmp: string;
  let root: string;
  let ca: string;
  let server: Server;
  let plain: ReturnType<typeof createHttpServer>;
  let port = 0;
  let rootfs: BusyboxRootfs;
  const served: string[] = [];

  const env = (extra: boolean): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, CI: '1' };
    delete e.TSBUILD_EXTRA_CA_CERTS;
    delete e.NODE_EXTRA_CA_CERTS;
    if (extra) e.NODE_EXTRA_CA_CERTS = ca;
    return e;
  };
  // not spawnSync: the HTTPS server lives in this process and must answer meanwhile
  const tsbuild = (args: string[], extra: boolean | string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const e = typeof extra === 'string' ? { ...env(false), NODE_EXTRA_CA_CERTS: extra } : env(extra);
      const child = spawn(bin, ['--root', root, ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    ensureNative();
    if (!existsSync(path.join(repo, 'dist', 'tsbuild.js'))) execFileSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
    tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-extra-ca-'));
    root = path.join(tmp, 'root');
    ca = path.join(tmp, 'ca.pem');
    const key = path.join(tmp, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', ca, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2'], { stdio: 'ignore' });
    server = createServer({ key: readFileSync(key), cert: readFileSync(ca) }, (req, res) => {
      served.push(req.url ?? '');
      if (req.url === '/moved') {
        res.writeHead(302, { location: '/greeting.txt' });
        res.end();
      } else if (req.url === '/greeting.txt') res.end('hello over tls\n');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    // plain http that sends the client on to the https server
    plain = createHttpServer((req, res) => {
      served.push(`http ${req.url ?? ''}`);
      res.writeHead(301, { location: `https://127.0.0.1:${port}/greeting.txt` }).end();
    });
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const plainPort = (plain.address() as AddressInfo).port;
    rootfs = makeBusyboxRootfs({ tar: true });
    const imported = await tsbuild(['import', rootfs.tar as string, 'busybox:latest'], false);
    expect(imported.code, imported.stderr).toBe(0);
    mkdirSync(path.join(tmp, 'ctx'));
    writeFileSync(path.join(tmp, 'ctx', 'Boxfile'), `FROM busybox\nADD https://127.0.0.1:${port}/moved /srv/greeting.txt\nADD http://127.0.0.1:${plainPort}/up /srv/up.txt\n`);
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await new Promise((r) => plain?.close(r));
    rootfs?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('without the variable the certificate is not trusted: the build names the ADD and fails', async () => {
    const r = await tsbuild(['build', '-t', 'greeting', path.join(tmp, 'ctx')], false);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Boxfile:2:\d+: ADD https:\/\/127\.0\.0\.1:\d+\/moved: cannot fetch: fetch failed: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE): /);
  });

  it('with it, the ADD fetches over verified TLS through the redirects (https → https, and http → https)', async () => {
    served.length = 0;
    const r = await tsbuild(['build', '-t', 'greeting', path.join(tmp, 'ctx')], true);
    expect(r.code, r.stderr).toBe(0);
    // (the two ADDs may fetch at the same time)
    expect([...served].sort()).toEqual(['/greeting.txt', '/greeting.txt', '/moved', 'http /up']);
    const cat = await tsbuild(['run', '--rm', 'greeting', 'cat', '/srv/greeting.txt', '/srv/up.txt'], false);
    expect(cat.code, cat.stderr).toBe(0);
    expect(cat.stdout).toBe('hello over tls\nhello over tls\n');
  });

  it('node itself starts without the variable; -e NODE_EXTRA_CA_CERTS still sees the user\'s value', async () => {
    const child = spawn(bin, ['--root', root, 'run', '--rm', '-e', 'NODE_EXTRA_CA_CERTS', 'busybox', 'sh', '-c', 'echo "$NODE_EXTRA_CA_CERTS"; sleep 1'], { env: env(true), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 200 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 25));
    // the shell exec'd node: same pid; environ is the environment node started with
    const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
    expect(readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim()).toBe('node');
    expect(environ).toContain(`TSBUILD_EXTRA_CA_CERTS=${ca}`);
    expect(environ.filter((e) => e.startsWith('NODE_EXTRA_CA_CERTS='))).toEqual([]);
    expect(await exited).toBe(0);
    expect(out).toBe(`${ca}\n`);
  });

  describe.skipIf(!!missing('registry'))('a registry with that certificate, pulled with --tls-verify=true', () => {
    let reg: TestRegistry;
    beforeAll(async () => {
      reg = await startRegistry({ kind: 'none' }, { tls: true });
      const src = await ImageStore.open(path.join(tmp, 'src-store'));
      try {
        const { id } = await importTar(src, readFileSync(rootfs.tar as string), 'tsbuild-test/busybox:1');
        await push(src, await src.resolve(id), parseRef(`${reg.host}/ca/busybox:1`), { tlsVerify: false });
      } finally {
        await src.close();
      }
    });
    afterAll(async () => {
      await reg?.stop();
    });

    it('is refused without the variable and pulled with it', async () => {
      const ref = `${reg.host}/ca/busybox:1`;
      const refused = await tsbuild(['pull', '--tls-verify=true', ref], false);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/certificate .* is not trusted/);
      // the registry's own certificate is the CA here
      const withCa = await tsbuild(['pull', '--tls-verify=true', ref], reg.certFile as string);
      expect(withCa.code, withCa.stderr).toBe(0);
      expect((await tsbuild(['inspect', ref], false)).code).toBe(0);
    });
  });
});
