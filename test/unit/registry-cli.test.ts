// The pull/push/login/logout commands' argument handling and exit codes
// (no registry needed: every case fails or finishes before the network).
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { progressPrinter } from '../../src/cli/commands/pull.js';
import type { CommandContext } from '../../src/cli/command.js';
import { loadCredentials, storeCredentials } from '../../src/image/registry/credentials.js';
import { freePort, installCredentialHelper } from '../helpers/registry-server.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-registry-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--root', path.join(dir, 'store'), ...argv], {
    stdout: { write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => (err.push(s), true) } as unknown as NodeJS.WritableStream,
    stdin: Readable.from([Buffer.from(stdin)]),
    env: { DOCKER_CONFIG: path.join(dir, 'docker'), PATH: process.env.PATH },
  });
  return { code, out: out.join(''), err: err.join('') };
}

describe('registry commands', () => {
  it('refuse bad arguments with exit 2', async () => {
    expect((await run(['pull'])).code).toBe(2);
    expect((await run(['pull', 'a', 'b'])).code).toBe(2);
    expect((await run(['pull', 'a//b'])).err).toMatch(/invalid reference/);
    expect((await run(['pull', '--platform', 'linux//x', 'busybox'])).err).toMatch(/invalid platform/);
    expect((await run(['push'])).code).toBe(2);
    expect((await run(['push', 'a', 'b', 'c'])).code).toBe(2);
    expect((await run(['login', '--password-stdin', 'localhost:5000'])).err).toMatch(/--password-stdin needs --username/);
    expect((await run(['login', '-u', 'x', '-p', 'y', '--password-stdin', 'localhost:5000'])).code).toBe(2);
    expect((await run(['logout', 'a', 'b'])).code).toBe(2);
  });

  it('push of an image that is not in the store names it', async () => {
    const r = await run(['push', 'nothere:1', '127.0.0.1:5/x:1']);
    expect(r.code).toBe(125);
    expect(r.err).toMatch(/no such image: nothere:1/);
  });

  it('pull from a registry that is not there says so, with the URL', async () => {
    const port = await freePort();
    const r = await run(['pull', `127.0.0.1:${port}/x:1`]);
    expect(r.code).toBe(125);
    expect(r.err).toMatch(new RegExp(`GET https?://127\\.0\\.0\\.1:${port}/v2/: ECONNREFUSED`));
  });

  it('logout removes only that registry and reports when there was no login', async () => {
    mkdirSync(path.join(dir, 'docker'), { recursive: true });
    const auth = (u: string): string => Buffer.from(`${u}:pw`).toString('base64');
    writeFileSync(path.join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { 'reg.example:5000': { auth: auth('a') }, 'https://index.docker.io/v1/': { auth: auth('hub') } } }));
    expect((await run(['logout', 'https://reg.example:5000/v2/'])).out).toMatch(/Removed login credentials for reg\.example:5000/);
    expect((await run(['logout', 'reg.example:5000'])).out).toMatch(/Not logged in to reg\.example:5000/);
    const cfg = JSON.parse(readFileSync(path.join(dir, 'docker', 'config.json'), 'utf8')) as { auths: Record<string, unknown> };
    expect(Object.keys(cfg.auths)).toEqual(['https://index.docker.io/v1/']);
    expect((await run(['logout'])).out).toMatch(/Removed login credentials for docker\.io/);
  });

  it('login without a password and without a terminal says to use --password-stdin, before any network', async () => {
    const r = await run(['login', '-u', 'alice', '127.0.0.1:5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/stdin is not a terminal.*--password-stdin/);
    expect((await run(['login', '127.0.0.1:5'])).err).toMatch(/--username USER --password-stdin/);
  });
});

describe('credential helpers (credsStore, credHelpers)', () => {
  const hdir = mkdtempSync(path.join(dir, 'helpers-'));
  const cfgDir = path.join(hdir, 'docker');
  const env = { DOCKER_CONFIG: cfgDir, PATH: `${hdir}:${process.env.PATH ?? '/usr/bin:/bin'}` };
  const vault = installCredentialHelper(hdir, 'vault');
  const special = installCredentialHelper(hdir, 'special');
  mkdirSync(cfgDir, { recursive: true });
  const cfgFile = path.join(cfgDir, 'config.json');
  const cfg = (): { auths?: Record<string, Record<string, string>>; credsStore?: string } => JSON.parse(readFileSync(cfgFile, 'utf8'));

  it('store / get / erase go through credsStore; the file keeps an empty entry, no secret', async () => {
    writeFileSync(cfgFile, JSON.stringify({ credsStore: 'vault', credHelpers: { 'special.example': 'special' } }));
    const saved = await storeCredentials(env, 'reg.example:5000', { username: 'me', password: 's3cret' });
    expect(saved.helper).toBe('docker-credential-vault');
    expect(vault.read()).toEqual({ 'reg.example:5000': { Username: 'me', Secret: 's3cret' } });
    expect(cfg().auths).toEqual({ 'reg.example:5000': {} });
    expect(readFileSync(cfgFile, 'utf8')).not.toContain('s3cret');
    expect(await loadCredentials(env, 'reg.example:5000')).toEqual({ username: 'me', password: 's3cret' });
    // Docker Hub is kept under its legacy URL, as docker does
    await storeCredentials(env, 'docker.io', { username: 'hub', password: 'h' });
    expect(Object.keys(vault.read())).toContain('https://index.docker.io/v1/');
    expect((await storeCredentials(env, 'reg.example:5000', undefined)).changed).toBe(true);
    expect(vault.read()['reg.example:5000']).toBeUndefined();
    expect(await loadCredentials(env, 'reg.example:5000')).toBeUndefined();
    expect((await storeCredentials(env, 'reg.example:5000', undefined)).changed).toBe(false);
  });

  it('credHelpers wins over credsStore for its registry', async () => {
    await storeCredentials(env, 'special.example', { username: 'sp', password: 'x' });
    expect(special.read()).toEqual({ 'special.example': { Username: 'sp', Secret: 'x' } });
    expect(vault.read()['special.example']).toBeUndefined();
    expect(await loadCredentials(env, 'special.example')).toEqual({ username: 'sp', password: 'x' });
  });

  it('logout erases through the helper; a missing helper is an error naming the program', async () => {
    await storeCredentials(env, 'reg.example:5000', { username: 'me', password: 's3cret' });
    const out: string[] = [];
    const err: string[] = [];
    const io = {
      stdout: { write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => (err.push(s), true) } as unknown as NodeJS.WritableStream,
      env,
    };
    expect(await main(['--root', path.join(dir, 'store'), 'logout', 'reg.example:5000'], io)).toBe(0);
    expect(out.join('')).toMatch(/Removed login credentials for reg\.example:5000 from docker-credential-vault and /);
    expect(vault.read()['reg.example:5000']).toBeUndefined();
    writeFileSync(cfgFile, JSON.stringify({ credsStore: 'nosuchhelper' }));
    await expect(loadCredentials(env, 'reg.example:5000')).rejects.toMatchObject({ code: 'CREDENTIAL_HELPER', message: expect.stringContaining('docker-credential-nosuchhelper get') });
  });
});

describe('transfer progress', () => {
  const feed = (isTTY: boolean, quiet = false): string => {
    const err: string[] = [];
    const stderr = { isTTY, write: (t: string) => (err.push(t), true) } as unknown as NodeJS.WritableStream;
    const p = progressPrinter({ stderr } as unknown as CommandContext, quiet);
    const d = `sha256:${'ab'.repeat(32)}`;
    const size = 100 * 1048576;
    p({ type: 'resolved', reference: 'reg/x:1', manifestDigest: `sha256:${'cd'.repeat(32)}` });
    p({ type: 'blob', digest: d, size, status: 'started', how: 'download' });
    for (const mb of [10, 30, 31, 60, 90, 100]) p({ type: 'progress', digest: d, bytes: mb * 1048576, size });
    p({ type: 'blob', digest: d, size, status: 'done' });
    // a push whose digest is known only at the end: started and progress under the label
    p({ type: 'blob', digest: 'sha256:' + 'ef'.repeat(32), size: 0, status: 'started', how: 'streamed' });
    p({ type: 'progress', digest: 'sha256:' + 'ef'.repeat(32), bytes: 70 * 1048576, size: 0 });
    p({ type: 'blob', digest: 'sha256:' + '12'.repeat(32), size: 5, status: 'done', how: 'streamed', label: 'sha256:' + 'ef'.repeat(32) });
    return err.join('');
  };

  it('prints plain lines per blob step without a terminal', () => {
    expect(feed(false).split('\n')).toEqual([
      `reg/x:1: sha256:${'cd'.repeat(32)}`,
      'abababababab: downloading (100.0 MB)',
      'abababababab: 25% of 100.0 MB',
      'abababababab: 50% of 100.0 MB',
      'abababababab: 75% of 100.0 MB',
      'abababababab: done (100.0 MB)',
      'efefefefefef: uploading',
      'efefefefefef: 70.0 MB sent',
      '121212121212: done (0.0 MB, streamed)',
      '',
    ]);
    expect(feed(false, true)).toBe('');
  });

  it('redraws one status line in place on a terminal and clears it before step lines', () => {
    const out = feed(true);
    expect(out).toContain('\r\x1b[K1 blob(s) in flight: 0.0 / 100.0 MB');
    expect(out).toContain('\r\x1b[Kabababababab: done (100.0 MB)\n');
    expect(out).not.toContain('25% of');
    expect(out.endsWith('121212121212: done (0.0 MB, streamed)\n')).toBe(true);
  });
});
