// Authentication against real registries: docker-registry with htpasswd
// Basic auth, and with Bearer tokens from a token server written in the test
// (anonymous pulls allowed, pushes need a login). login/logout keep the
// credentials in the Docker config ($DOCKER_CONFIG), where push and pull find them.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { normalizeRef, parseRef } from '../../src/image/refs.js';
import { pull } from '../../src/image/registry/pull.js';
import { push } from '../../src/image/registry/push.js';
import { ImageStore } from '../../src/image/store.js';
import { importTar, installCredentialHelper, startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { buildCli, type BuiltCli } from '../helpers/image-cli.js';
import { missing } from '../helpers/requires.js';
import { execFileSync } from 'node:child_process';
import { onTerminal } from '../helpers/pty-driver.js';

const why = missing('registry');

function tinyTar(dir: string): Buffer {
  const d = mkdtempSync(path.join(dir, 'tiny-'));
  execFileSync('sh', ['-c', 'echo hello > "$1/hello.txt"', 'sh', d]);
  const out = path.join(dir, `tiny-${path.basename(d)}.tar`);
  execFileSync('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', d, '-cf', out, '.']);
  return readFileSync(out);
}

function cliIO(env: NodeJS.ProcessEnv, stdinText = ''): { io: Parameters<typeof main>[1]; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: { write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => (err.push(s), true) } as unknown as NodeJS.WritableStream,
      stdin: Readable.from([Buffer.from(stdinText)]),
      env,
    },
  };
}

for (const kind of ['basic', 'token'] as const) {
  describe.skipIf(!!why)(`registry with ${kind} auth`, () => {
    let reg: TestRegistry;
    let work: string;
    let store: ImageStore;
    let id: string;
    const users = { alice: 'wonder:land' };

    beforeAll(async () => {
      work = mkdtempSync(path.join(tmpdir(), `tsbuild-registry-${kind}-`));
      reg = await startRegistry(kind === 'basic' ? { kind, users } : { kind, users, anonymousPull: true, refreshTokens: { 'idt-alice-123': 'alice' } });
      store = await ImageStore.open(path.join(work, 'store'));
      id = (await importTar(store, tinyTar(work), 'tsbuild-test/tiny:1')).id;
    });

    afterAll(async () => {
      await store?.close().catch(() => undefined);
      await reg?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('refuses a push without credentials, saying how to log in', async () => {
      const image = await store.resolve('tsbuild-test/tiny:1');
      await expect(push(store, image, parseRef(`${reg.host}/auth/tiny:1`))).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED', message: expect.stringContaining(`tsbuild login ${reg.host}`) });
    });

    it('refuses wrong credentials', async () => {
      const image = await store.resolve('tsbuild-test/tiny:1');
      await expect(push(store, image, parseRef(`${reg.host}/auth/tiny:1`), { credentials: { username: 'alice', password: 'nope' } })).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
    });

    it('pushes and pulls with credentials', async () => {
      const image = await store.resolve('tsbuild-test/tiny:1');
      const creds = { username: 'alice', password: users.alice };
      const pushed = await push(store, image, parseRef(`${reg.host}/auth/tiny:1`), { credentials: creds });
      const dst = await ImageStore.open(mkdtempSync(path.join(work, 'dst-')));
      try {
        const pulled = await pull(dst, normalizeRef(`${reg.host}/auth/tiny:1`), { credentials: creds });
        expect(pulled.id).toBe(id);
        expect(pulled.repoDigest).toBe(pushed.manifestDigest);
      } finally {
        await dst.close();
      }
      if (kind === 'token') {
        const pushReq = reg.tokenRequests.find((r) => r.account === 'alice' && r.scopes.includes('repository:auth/tiny:pull,push'));
        expect(pushReq?.service).toBe('tsbuild-test');
      }
    });

    it(kind === 'token' ? 'pulls anonymously with a Bearer token' : 'refuses an anonymous pull', async () => {
      const dst = await ImageStore.open(mkdtempSync(path.join(work, 'anon-')));
      try {
        const p = pull(dst, normalizeRef(`${reg.host}/auth/tiny:1`));
        if (kind === 'token') {
          expect((await p).id).toBe(id);
          expect(reg.tokenRequests.some((r) => r.account === undefined && r.scopes.includes('repository:auth/tiny:pull'))).toBe(true);
        } else {
          await expect(p).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
        }
      } finally {
        await dst.close();
      }
    });

    it('login checks and saves the credentials, push and pull use them, logout removes them', async () => {
      const env = { ...process.env, DOCKER_CONFIG: path.join(work, 'docker') };
      const bad = cliIO(env, 'wrong\n');
      expect(await main(['login', '-u', 'alice', '--password-stdin', reg.host], bad.io)).toBe(125);
      expect(existsSync(path.join(work, 'docker', 'config.json'))).toBe(false);

      const good = cliIO(env, `${users.alice}\n`);
      expect(await main(['login', '-u', 'alice', '--password-stdin', reg.host], good.io)).toBe(0);
      expect(good.out.join('')).toBe('Login Succeeded\n');
      const saved = JSON.parse(readFileSync(path.join(work, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
      expect(Buffer.from(saved.auths[reg.host]!.auth, 'base64').toString()).toBe(`alice:${users.alice}`);

      const p = cliIO(env);
      expect(await main(['--root', store.root, 'push', 'tsbuild-test/tiny:1', `${reg.host}/cli/tiny:1`], p.io)).toBe(0);
      const q = cliIO(env);
      expect(await main(['--root', path.join(work, 'cli-dst'), 'pull', `${reg.host}/cli/tiny:1`], q.io)).toBe(0);
      expect(q.out.join('')).toBe(`${id}\n`);

      const o = cliIO(env);
      expect(await main(['logout', reg.host], o.io)).toBe(0);
      expect(o.out.join('')).toMatch(/Removed login credentials/);
      const after = JSON.parse(readFileSync(path.join(work, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, unknown> };
      expect(after.auths[reg.host]).toBeUndefined();
      const r = cliIO(env);
      expect(await main(['--root', store.root, 'push', 'tsbuild-test/tiny:1', `${reg.host}/cli/tiny:2`], r.io)).toBe(125);
      expect(r.err.join('')).toMatch(/needs a login|tsbuild login/);
    });

    it('login through a credential helper (credsStore): the secret goes to the helper, push and pull get it back, logout erases it', async () => {
      const hdir = mkdtempSync(path.join(work, 'helper-'));
      const helper = installCredentialHelper(hdir, 'testvault');
      const cfgDir = path.join(hdir, 'docker');
      const env = { ...process.env, HOME: hdir, DOCKER_CONFIG: cfgDir, PATH: `${hdir}:${process.env.PATH ?? ''}` };
      mkdirSync(cfgDir);
      writeFileSync(path.join(cfgDir, 'config.json'), JSON.stringify({ credsStore: 'testvault' }));
      const login = cliIO(env, `${users.alice}\n`);
      expect(await main(['login', '-u', 'alice', '--password-stdin', reg.host], login.io)).toBe(0);
      expect(login.err.join('')).toContain('Credentials saved by docker-credential-testvault');
      expect(helper.read()).toEqual({ [reg.host]: { Username: 'alice', Secret: users.alice } });
      expect(readFileSync(path.join(cfgDir, 'config.json'), 'utf8')).not.toContain(Buffer.from(`alice:${users.alice}`).toString('base64'));
      const p = cliIO(env);
      expect(await main(['--root', store.root, 'push', 'tsbuild-test/tiny:1', `${reg.host}/helper/tiny:1`], p.io)).toBe(0);
      const o = cliIO(env);
      expect(await main(['logout', reg.host], o.io)).toBe(0);
      expect(helper.read()).toEqual({});
      const r = cliIO(env);
      expect(await main(['--root', store.root, 'push', 'tsbuild-test/tiny:1', `${reg.host}/helper/tiny:2`], r.io)).toBe(125);
    });

    // (token auth only: Basic has no token server to post to)
    if (kind === 'token') it('an identity token (config identitytoken, or a helper\'s <token> user) gets its token through the OAuth2 form', async () => {
      const hdir = mkdtempSync(path.join(work, 'idt-'));
      const cfgDir = path.join(hdir, 'docker');
      mkdirSync(cfgDir);
      const env = { ...process.env, HOME: hdir, DOCKER_CONFIG: cfgDir, PATH: `${hdir}:${process.env.PATH ?? ''}` };
      const config = (token: string) => JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('alice:').toString('base64'), identitytoken: token } } });
      writeFileSync(path.join(cfgDir, 'config.json'), config('idt-alice-123'));
      const before = reg.tokenRequests.length;
      const p = cliIO(env);
      expect(await main(['--root', store.root, 'push', 'tsbuild-test/tiny:1', `${reg.host}/idt/tiny:1`], p.io), p.err.join('')).toBe(0);
      const posted = reg.tokenRequests.slice(before);
      expect(posted.length).toBeGreaterThan(0);
      expect(posted.every((r) => r.grant === 'refresh_token' && r.account === 'alice')).toBe(true);
      expect(posted.flatMap((r) => r.scopes)).toContain('repository:idt/tiny:pull,push');
      // a token the server does not know: refused, saying to log in again
      writeFileSync(path.join(cfgDir, 'config.json'), config('idt-stale'));
      const bad = cliIO(env);
      expect(await main(['--root', store.root, 'push', 'tsbuild-test/tiny:1', `${reg.host}/idt/tiny:2`], bad.io)).toBe(125);
      expect(bad.err.join('')).toMatch(/refused the identity token of this login \(401.*tsbuild login/);
      // a credential helper that answers with the <token> user
      const helper = installCredentialHelper(hdir, 'idvault');
      writeFileSync(helper.store, JSON.stringify({ [reg.host]: { Username: '<token>', Secret: 'idt-alice-123' } }));
      writeFileSync(path.join(cfgDir, 'config.json'), JSON.stringify({ credsStore: 'idvault' }));
      const h = cliIO(env);
      expect(await main(['--root', store.root, 'push', 'tsbuild-test/tiny:1', `${reg.host}/idt/tiny:3`], h.io), h.err.join('')).toBe(0);
      expect(reg.tokenRequests.at(-1)).toMatchObject({ grant: 'refresh_token', account: 'alice' });
    });
  });
}


function noPython(): string | undefined {
  try {
    execFileSync('python3', ['-c', 'import pty'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'python3 (with its pty module) is not installed';
  }
}

describe.skipIf(!!(missing('registry') ?? noPython()))('login on a terminal', () => {
  let reg: TestRegistry;
  let work: string;
  let cli: BuiltCli;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tsbuild-registry-tty-'));
    reg = await startRegistry({ kind: 'basic', users: { bob: 'hunter2!' } });
    cli = await buildCli();
  });

  afterAll(async () => {
    await reg?.stop();
    cli?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('asks for the user name (echoed) and the password (not echoed), checks and saves them', () => {
    const env = { ...process.env, DOCKER_CONFIG: path.join(work, 'docker') };
    const r = onTerminal([process.execPath, cli.bin, 'login', reg.host], [{ after: 'Username for', send: 'bob\r' }, { after: 'Password for', send: 'hunter2!\r' }], { env });
    expect(r.screen).toContain(`Username for ${reg.host}: bob`);
    expect(r.screen).toContain(`Password for bob@${reg.host}: `);
    expect(r.screen).not.toContain('hunter2');
    expect(r.screen).toContain('Login Succeeded');
    expect(r.code).toBe(0);
    const saved = JSON.parse(readFileSync(path.join(work, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(saved.auths[reg.host]!.auth, 'base64').toString()).toBe('bob:hunter2!');
    // a wrong password typed on the terminal is refused and saves nothing new
    const bad = onTerminal([process.execPath, cli.bin, 'login', '-u', 'bob', reg.host, '--tls-verify=false'], [{ after: 'Password for', send: 'nope\r' }], { env: { ...env, DOCKER_CONFIG: path.join(work, 'docker2') } });
    expect(bad.code).toBe(125);
    expect(bad.screen).not.toContain('nope');
  });
});
