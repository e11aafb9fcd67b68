// The pull/push/login/logout commands' argument handling and exit codes
// (no registry needed: every case fails or finishes before the network).
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { freePort } from '../helpers/registry-server.js';

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
});
