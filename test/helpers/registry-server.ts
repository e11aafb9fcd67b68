// A real registry for tests: Debian's docker-registry (the CNCF distribution
// server) on 127.0.0.1 on a free port, its storage and config in a fresh temp
// dir. Without auth, with htpasswd Basic auth, or with Bearer tokens from a
// small token server started here (RS256 JWTs with an x5c header, the signing
// certificate made by openssl). With `tls`, it serves HTTPS with a
// self-signed certificate for 127.0.0.1 made by openssl. stop() kills what it started, by pid, and
// removes the dir.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { importRootfs } from '../../src/image/import.js';
import type { ImageStore } from '../../src/image/store.js';

export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'basic'; users: Record<string, string> }
  /** refreshTokens: identity tokens (refresh token → user) for the OAuth2 POST form, as Docker's login keeps them */
  | { kind: 'token'; users: Record<string, string>; anonymousPull?: boolean; refreshTokens?: Record<string, string> };

export interface TokenRequestLog {
  account: string | undefined;
  scopes: string[];
  service: string | null;
  /** POST with grant_type=refresh_token (an identity token), else GET */
  grant?: 'refresh_token';
}

export interface TestRegistry {
  /** 127.0.0.1:PORT */
  host: string;
  dir: string;
  /** the registry's storage root (docker/registry/v2/… below) */
  storage: string;
  pid: number;
  tokenRequests: TokenRequestLog[];
  /** with tls: the self-signed certificate (PEM) it serves */
  certFile?: string;
  /** the path of a blob's data file in the storage */
  blobDataPath(digest: string): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A bcrypt htpasswd line: htpasswd (apache2-utils) when installed, else perl's crypt() (glibc/libxcrypt supports $2b$). */
export function htpasswdLine(user: string, password: string): string {
  try {
    return execFileSync('htpasswd', ['-nbB', user, password], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    const salt = `$2b$05$${randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '.').slice(0, 22)}`;
    const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, salt], { encoding: 'utf8' });
    if (!hash.startsWith('$2b$')) throw new Error(`perl crypt() did not make a bcrypt hash (got '${hash}'); install apache2-utils`);
    return `${user}:${hash}`;
  }
}

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

interface TokenServer {
  url: string;
  server: http.Server;
  log: TokenRequestLog[];
}

async function startTokenServer(dir: string, service: string, issuer: string, users: Record<string, string>, anonymousPull: boolean, refreshTokens: Record<string, string>): Promise<TokenServer> {
  const key = path.join(dir, 'token.key');
  const cert = path.join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=tsbuild-test-token', '-days', '2'], { stdio: 'ignore' });
  const privateKey = createPrivateKey(readFileSync(key));
  const der = Buffer.from(readFileSync(cert, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const log: TokenRequestLog[] = [];
  const issue = (res: http.ServerResponse, account: string | undefined, scopes: string[], field: 'token' | 'access_token'): void => {
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), s.slice(s.lastIndexOf(':') + 1)];
      const allowed = (actions ?? '').split(',').filter((a) => account !== undefined || (anonymousPull && a === 'pull'));
      return allowed.length ? [{ type, name, actions: allowed }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: account ?? '', aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access }));
    const signature = b64url(sign('sha256', Buffer.from(`${header}.${claims}`), privateKey));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ [field]: `${header}.${claims}.${signature}`, expires_in: 300 }));
  };
  // the OAuth2 form (RFC 6749 refresh_token grant) Docker posts with an identity token
  const oauth = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let body = '';
    req.on('data', (b: Buffer) => (body += b.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const account = refreshTokens[form.get('refresh_token') ?? ''];
      if (form.get('grant_type') !== 'refresh_token' || account === undefined) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
        return;
      }
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      log.push({ account, scopes, service: form.get('service'), grant: 'refresh_token' });
      issue(res, account, scopes, 'access_token');
    });
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'POST') return oauth(req, res);
    const u = new URL(req.url ?? '/', 'http://x');
    const scopes = u.searchParams.getAll('scope');
    let account: string | undefined;
    const authz = req.headers.authorization;
    if (authz?.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(authz.slice(6), 'base64').toString('utf8').split(':');
      if (!user || users[user] !== rest.join(':')) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      account = user;
    }
    log.push({ account, scopes, service: u.searchParams.get('service') });
    issue(res, account, scopes, 'token');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/token`, server, log };
}

/** the status of GET URL, over http or https (the self-signed certificate accepted), on a connection of its own */
function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    (url.startsWith('https:') ? https : http).get(url, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

async function waitReady(host: string, child: ChildProcess, logFile: string, tls: boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      const status = await getStatus(`${tls ? 'https' : 'http'}://${host}/v2/`);
      if (status === 200 || status === 401) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${host} within 15 s`);
}

export async function startRegistry(auth: RegistryAuth = { kind: 'none' }, options: { tls?: boolean } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-registry-'));
  let child: ChildProcess | undefined;
  let token: TokenServer | undefined;
  const cleanup = async (): Promise<void> => {
    if (child && child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }
    if (token) await new Promise((r) => token!.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const storage = path.join(dir, 'storage');
    let authYaml = '';
    if (auth.kind === 'basic') {
      writeFileSync(path.join(dir, 'htpasswd'), Object.entries(auth.users).map(([u, p]) => htpasswdLine(u, p)).join('\n') + '\n');
      authYaml = `auth:\n  htpasswd:\n    realm: tsbuild-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
    } else if (auth.kind === 'token') {
      token = await startTokenServer(dir, 'tsbuild-test', 'tsbuild-test-issuer', auth.users, auth.anonymousPull ?? false, auth.refreshTokens ?? {});
      authYaml = `auth:\n  token:\n    realm: ${token.url}\n    service: tsbuild-test\n    issuer: tsbuild-test-issuer\n    rootcertbundle: ${path.join(dir, 'token.crt')}\n`;
    }
    let tlsYaml = '';
    let certFile: string | undefined;
    if (options.tls) {
      certFile = path.join(dir, 'registry.crt');
      const keyFile = path.join(dir, 'registry.key');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2'], { stdio: 'ignore' });
      tlsYaml = `  tls:\n    certificate: ${certFile}\n    key: ${keyFile}\n`;
    }
    const config = [
      'version: 0.1',
      'log:',
      '  level: error',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${storage}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: ${host}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      tlsYaml,
      authYaml,
    ].join('\n');
    const configFile = path.join(dir, 'config.yml');
    writeFileSync(configFile, config);
    const logFile = path.join(dir, 'registry.log');
    const { openSync } = await import('node:fs');
    const out = openSync(logFile, 'a');
    child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', out, out], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
    await waitReady(host, child, logFile, options.tls ?? false);
    const pid = child.pid as number;
    return {
      host,
      dir,
      storage,
      pid,
      tokenRequests: token?.log ?? [],
      ...(certFile ? { certFile } : {}),
      blobDataPath: (digest) => path.join(storage, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** A one-layer image from a root file system tar, through the store's import (what `tsbuild import` makes). */
export async function importTar(store: ImageStore, tar: Buffer, tag: string): Promise<{ id: string; manifestDigest: string }> {
  const r = await importRootfs(store, Readable.from([tar]), { tags: [tag], sourceName: 'test tar', env: {}, changes: ['CMD ["/bin/sh"]'] });
  return { id: r.id, manifestDigest: r.manifestDigest };
}

/**
 * A Docker credential helper for tests: `docker-credential-NAME` in `dir`
 * (put `dir` first on PATH), a small node script keeping its secrets in
 * `dir/NAME-store.json`, speaking the get/store/erase protocol of
 * docker-credential-helpers (and its "credentials not found" answer).
 */
export function installCredentialHelper(dir: string, name: string): { store: string; read(): Record<string, { Username: string; Secret: string }> } {
  const store = path.join(dir, `${name}-store.json`);
  const script = `#!${process.execPath}
const fs = require('fs');
const file = ${JSON.stringify(store)};
let db = {};
try { db = JSON.parse(fs.readFileSync(file, 'utf8')); } catch {}
const input = fs.readFileSync(0, 'utf8');
const verb = process.argv[2];
const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
if (verb === 'store') { const j = JSON.parse(input); db[j.ServerURL] = { Username: j.Username, Secret: j.Secret }; fs.writeFileSync(file, JSON.stringify(db)); }
else if (verb === 'get') { const k = input.trim(); if (!db[k]) notFound(); process.stdout.write(JSON.stringify({ ServerURL: k, ...db[k] })); }
else if (verb === 'erase') { const k = input.trim(); if (!db[k]) notFound(); delete db[k]; fs.writeFileSync(file, JSON.stringify(db)); }
else { process.stderr.write('unknown verb ' + verb + '\\n'); process.exit(2); }
`;
  writeFileSync(path.join(dir, `docker-credential-${name}`), script, { mode: 0o755 });
  return {
    store,
    read: () => {
      try {
        return JSON.parse(readFileSync(store, 'utf8')) as Record<string, { Username: string; Secret: string }>;
      } catch {
        return {};
      }
    },
  };
}
