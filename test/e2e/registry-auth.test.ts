// Authentication against real registries: docker-registry with htpasswd
// Basic auth, and with Bearer tokens from a token server written in the test
// (anonymous pulls allowed, pushes need a login). login/logout keep the
// credentials in the Docker config ($DOCKER_CONFIG), where push and pull find them.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { normalizeRef, parseRef } from '../../src/image/refs.js';
import { pull } from '../../src/image/registry/pull.js';
import { push } from '../../src/image/registry/push.js';
import { ImageStore } from '../../src/image/store.js';
import { importTar, startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { missing } from '../helpers/requires.js';
import { execFileSync } from 'node:child_process';

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
      reg = await startRegistry(kind === 'basic' ? { kind, users } : { kind, users, anonymousPull: true });
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
  });
}
