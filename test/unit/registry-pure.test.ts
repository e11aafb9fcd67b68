import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseChallenges, pickChallenge, repositoryScope, mergeScopes, tokenUrl, basicAuthorization, oauthTokenRequest } from '../../src/image/registry/challenge.js';
import { blobUrl, endpointFor, isInsecure, manifestUrl, registryFromLoginArg, uploadUrl, referenceOf, credentialKey } from '../../src/image/registry/endpoint.js';
import { decodeAuth, encodeAuth, loadCredentials, lookupCredentials, storeCredentials, dockerConfigPath } from '../../src/image/registry/credentials.js';
import { defaultRetryPolicy, nextDelay, parseRetryAfter } from '../../src/image/registry/retry.js';
import { detectManifestKind, layerCompression, manifestAccept, sniffCompression } from '../../src/image/registry/media-types.js';
import { addRepoDigest, localManifestFor, mergeRepoDigests } from '../../src/image/registry/repo-digests.js';
import { hostPlatform, parsePlatform, selectPlatform, formatPlatform } from '../../src/image/registry/platform.js';

describe('registry endpoints', () => {
  it('maps docker.io to registry-1.docker.io over https', () => {
    const ep = endpointFor({ domain: 'docker.io', path: 'library/busybox', tag: 'latest' });
    expect(ep).toEqual({ registry: 'docker.io', host: 'registry-1.docker.io', repository: 'library/busybox', scheme: 'https', tlsVerify: true, httpFallback: false });
    expect(manifestUrl(ep, 'latest')).toBe('https://registry-1.docker.io/v2/library/busybox/manifests/latest');
    expect(blobUrl(ep, 'sha256:ab')).toBe('https://registry-1.docker.io/v2/library/busybox/blobs/sha256:ab');
  });
  it('adds library/ to single-name Docker Hub repositories only', () => {
    expect(endpointFor({ domain: 'docker.io', path: 'alpine' }).repository).toBe('library/alpine');
    expect(endpointFor({ domain: 'quay.io', path: 'alpine' }).repository).toBe('alpine');
  });
  it('treats loopback and registries marked insecure as insecure: unchecked TLS, then plain HTTP', () => {
    const insecure = { scheme: 'https', tlsVerify: false, httpFallback: true };
    expect(endpointFor({ domain: 'localhost:5000', path: 'a/b' })).toMatchObject(insecure);
    expect(endpointFor({ domain: '127.0.0.1:39999', path: 'a' })).toMatchObject(insecure);
    expect(endpointFor({ domain: 'reg.example.com', path: 'a' })).toMatchObject({ scheme: 'https', tlsVerify: true, httpFallback: false });
    expect(endpointFor({ domain: 'reg.example.com', path: 'a' }, { tlsVerify: false })).toMatchObject(insecure);
    expect(endpointFor({ domain: 'reg.example.com', path: 'a' }, { insecureRegistries: ['reg.example.com'] })).toMatchObject(insecure);
    // --tls-verify=true checks certificates even on loopback
    expect(endpointFor({ domain: '127.0.0.1:39999', path: 'a' }, { tlsVerify: true })).toMatchObject({ scheme: 'https', tlsVerify: true, httpFallback: false });
    expect(isInsecure('reg.example.com:5000', { insecureRegistries: ['reg.example.com:5000'] })).toBe(true);
    expect(isInsecure('reg.example.com:5000', { insecureRegistries: ['reg.example.com'] })).toBe(true);
    expect(isInsecure('other.example.com', { insecureRegistries: ['reg.example.com'] })).toBe(false);
    expect(isInsecure('localhost.example.com')).toBe(false);
  });
  it('resolves relative upload locations and adds the digest', () => {
    const ep = endpointFor({ domain: '127.0.0.1:5000', path: 'x' });
    expect(uploadUrl(ep, '/v2/x/blobs/uploads/u1?_state=s', { digest: 'sha256:00' })).toBe('https://127.0.0.1:5000/v2/x/blobs/uploads/u1?_state=s&digest=sha256%3A00');
    expect(uploadUrl({ ...ep, scheme: 'http' }, '/v2/x/blobs/uploads/u1')).toBe('http://127.0.0.1:5000/v2/x/blobs/uploads/u1');
    expect(uploadUrl(ep, 'https://other/up/1')).toBe('https://other/up/1');
  });
  it('picks the digest over the tag and latest when neither', () => {
    expect(referenceOf({ domain: 'd', path: 'p', tag: 't', digest: 'sha256:1' })).toBe('sha256:1');
    expect(referenceOf({ domain: 'd', path: 'p', tag: 't' })).toBe('t');
    expect(referenceOf({ domain: 'd', path: 'p' })).toBe('latest');
  });
  it('normalises login arguments', () => {
    expect(registryFromLoginArg('https://index.docker.io/v1/')).toBe('docker.io');
    expect(registryFromLoginArg('Localhost:5000')).toBe('localhost:5000');
    expect(registryFromLoginArg('http://127.0.0.1:5000/v2/')).toBe('127.0.0.1:5000');
    expect(credentialKey('docker.io')).toBe('https://index.docker.io/v1/');
  });
});

describe('WWW-Authenticate challenges', () => {
  it('parses Docker Hub style Bearer challenges', () => {
    const c = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"');
    expect(c).toEqual([{ scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull,push' } }]);
  });
  it('parses Basic, escapes, unquoted values and several challenges', () => {
    const c = parseChallenges('Basic realm="Registry \\"R\\", ok", Bearer realm=https://t/x, service=s');
    expect(c).toEqual([
      { scheme: 'basic', params: { realm: 'Registry "R", ok' } },
      { scheme: 'bearer', params: { realm: 'https://t/x', service: 's' } },
    ]);
    expect(pickChallenge(c)?.scheme).toBe('bearer');
    expect(pickChallenge(parseChallenges('Basic realm="x"'))?.scheme).toBe('basic');
    expect(pickChallenge(parseChallenges('Negotiate abc=='))).toBeUndefined();
    expect(parseChallenges('Negotiate abc==')[0]?.params.token68).toBe('abc==');
  });
  it('builds scopes and token URLs', () => {
    expect(repositoryScope('library/busybox', ['push', 'pull'])).toBe('repository:library/busybox:pull,push');
    expect(mergeScopes(['repository:a:pull', 'repository:a:push', 'repository:b:pull'])).toEqual(['repository:a:pull,push', 'repository:b:pull']);
    const u = new URL(tokenUrl({ scheme: 'bearer', params: { realm: 'https://auth/token?x=1', service: 'reg' } }, ['repository:a:pull', 'repository:b:pull'], 'me'));
    expect(u.searchParams.get('x')).toBe('1');
    expect(u.searchParams.get('service')).toBe('reg');
    expect(u.searchParams.getAll('scope')).toEqual(['repository:a:pull', 'repository:b:pull']);
    expect(u.searchParams.get('account')).toBe('me');
    expect(() => tokenUrl({ scheme: 'bearer', params: {} }, [])).toThrow(/realm/);
    expect(basicAuthorization('u', 'p:w')).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
  });
});

describe('Docker config credentials', () => {
  it('encodes and decodes base64 user:pass (passwords may contain colons)', () => {
    expect(decodeAuth(encodeAuth({ username: 'u', password: 'a:b' }))).toEqual({ username: 'u', password: 'a:b' });
    expect(decodeAuth(Buffer.from('nocolon').toString('base64'))).toBeUndefined();
  });
  it('finds Docker Hub logins under their legacy key and URL-keyed entries', () => {
    const cfg = { auths: { 'https://index.docker.io/v1/': { auth: encodeAuth({ username: 'hub', password: 'x' }) }, 'https://reg.io': { auth: encodeAuth({ username: 'r', password: 'y' }) } } };
    expect(lookupCredentials(cfg, 'docker.io')?.username).toBe('hub');
    expect(lookupCredentials(cfg, 'reg.io')?.username).toBe('r');
    expect(lookupCredentials(cfg, 'other.io')).toBeUndefined();
  });
  it('an identitytoken entry is an identity token (Docker keeps the user in auth, without a password)', () => {
    const cfg = { auths: { 'reg.io': { auth: Buffer.from('alice:').toString('base64'), identitytoken: 'refresh-1' }, 'bare.io': { identitytoken: 'refresh-2' } } };
    expect(lookupCredentials(cfg, 'reg.io')).toEqual({ username: 'alice', password: '', identityToken: 'refresh-1' });
    expect(lookupCredentials(cfg, 'bare.io')).toEqual({ username: '<token>', password: '', identityToken: 'refresh-2' });
  });
  it('the OAuth2 form for an identity token: refresh_token grant, service, scopes joined by spaces', () => {
    const { url, body } = oauthTokenRequest({ scheme: 'bearer', params: { realm: 'https://auth.test/token', service: 'reg' } }, ['repository:a:pull', 'repository:b:pull,push'], 'r3fr3sh');
    expect(url).toBe('https://auth.test/token');
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'r3fr3sh', client_id: 'tsbuild', service: 'reg', scope: 'repository:a:pull repository:b:pull,push' });
    expect(() => oauthTokenRequest({ scheme: 'bearer', params: {} }, [], 'x')).toThrow(/no realm/);
  });
  it('writes atomically under $DOCKER_CONFIG, keeps other keys, and removes on logout', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-dockercfg-'));
    try {
      const env = { DOCKER_CONFIG: path.join(dir, 'cfg') };
      mkdirSync(env.DOCKER_CONFIG);
      writeFileSync(dockerConfigPath(env), JSON.stringify({ auths: { 'other.io': { auth: encodeAuth({ username: 'o', password: 'p' }) } }, psFormat: 'x' }));
      await storeCredentials(env, '127.0.0.1:5000', { username: 'me', password: 'secret' });
      const saved = JSON.parse(readFileSync(dockerConfigPath(env), 'utf8'));
      expect(saved.psFormat).toBe('x');
      expect(saved.auths['127.0.0.1:5000'].auth).toBe(Buffer.from('me:secret').toString('base64'));
      expect(statSync(dockerConfigPath(env)).mode & 0o777).toBe(0o600);
      expect(await loadCredentials(env, '127.0.0.1:5000')).toEqual({ username: 'me', password: 'secret' });
      expect((await storeCredentials(env, '127.0.0.1:5000', undefined)).changed).toBe(true);
      expect(await loadCredentials(env, '127.0.0.1:5000')).toBeUndefined();
      expect((await loadCredentials(env, 'other.io'))?.username).toBe('o');
      expect((await storeCredentials(env, '127.0.0.1:5000', undefined)).changed).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('uses ~/.docker without DOCKER_CONFIG', () => {
    expect(dockerConfigPath({ HOME: '/home/x' })).toBe('/home/x/.docker/config.json');
  });
});

describe('repo digests', () => {
  it('finds the local manifest of NAME@registry-digest, and merges RepoDigests per repository', () => {
    const rec = addRepoDigest(addRepoDigest({}, 'sha256:l1', 'reg:5000/a', 'sha256:r1'), 'sha256:l2', 'reg:5000/a', 'sha256:r2');
    expect(localManifestFor(rec, 'reg:5000/a', 'sha256:r2')).toBe('sha256:l2');
    expect(localManifestFor(rec, 'reg:5000/b', 'sha256:r2')).toBeUndefined();
    expect(mergeRepoDigests(['reg:5000/a@sha256:r1'], ['reg:5000/a', 'docker.io/library/app'], 'sha256:l1')).toEqual(['docker.io/library/app@sha256:l1', 'reg:5000/a@sha256:r1']);
  });
  it('keeps one digest per repository, newest wins', () => {
    let r = addRepoDigest({}, 'sha256:local', 'reg:5000/a', 'sha256:1');
    r = addRepoDigest(r, 'sha256:local', 'reg:5000/b', 'sha256:2');
    r = addRepoDigest(r, 'sha256:local', 'reg:5000/a', 'sha256:3');
    expect(r['sha256:local']).toEqual(['reg:5000/a@sha256:3', 'reg:5000/b@sha256:2']);
  });
});

describe('retry policy', () => {
  const p = { ...defaultRetryPolicy, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
  it('backs off exponentially on 5xx and dropped connections', () => {
    expect(nextDelay(p, 1, { status: 503 }, 1)).toBe(100);
    expect(nextDelay(p, 2, { status: 502 }, 1)).toBe(200);
    expect(nextDelay(p, 3, { networkError: 'ECONNRESET' }, 0)).toBe(200);
    expect(nextDelay(p, 4, { status: 503 })).toBeUndefined();
  });
  it('does not retry client errors or unknown failures', () => {
    expect(nextDelay(p, 1, { status: 404 })).toBeUndefined();
    expect(nextDelay(p, 1, { status: 401 })).toBeUndefined();
    expect(nextDelay(p, 1, { status: 501 })).toBeUndefined();
    expect(nextDelay(p, 1, { networkError: 'ERR_INVALID_URL' })).toBeUndefined();
    expect(nextDelay(p, 1, { status: 429, retryAfter: '0.5' })).toBe(500);
    expect(nextDelay(p, 1, { status: 429, retryAfter: '60' })).toBe(1000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
  });
});

describe('media types and platforms', () => {
  it('accepts OCI and Docker manifests and indexes', () => {
    for (const t of ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']) {
      expect(manifestAccept).toContain(t);
    }
    expect(detectManifestKind({ manifests: [] }, null)).toBe('index');
    expect(detectManifestKind({ layers: [] }, 'application/json')).toBe('manifest');
    expect(detectManifestKind({}, 'application/vnd.docker.distribution.manifest.list.v2+json; charset=utf-8')).toBe('index');
    expect(detectManifestKind({ mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' }, null)).toBeUndefined();
  });
  it('tells compression from media types and magic bytes', () => {
    expect(layerCompression('application/vnd.docker.image.rootfs.diff.tar.gzip')).toBe('gzip');
    expect(layerCompression('application/vnd.oci.image.layer.v1.tar+zstd')).toBe('zstd');
    expect(layerCompression('application/vnd.oci.image.layer.v1.tar')).toBe('none');
    expect(layerCompression('text/plain')).toBeUndefined();
    expect(sniffCompression(Uint8Array.from([0x1f, 0x8b, 8]))).toBe('gzip');
    expect(sniffCompression(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(sniffCompression(Buffer.from('etc/'))).toBe('none');
  });
  it('uses OCI architecture names for the host', () => {
    expect(hostPlatform('x64', 'linux')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(hostPlatform('arm64', 'linux')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(parsePlatform('linux/x86_64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(formatPlatform(parsePlatform('linux/arm/7'))).toBe('linux/arm/v7');
    expect(() => parsePlatform('linux//')).toThrow(/invalid platform/);
  });
  it('selects the platform from an index, skipping attestations', () => {
    const entries = [
      { digest: 'a', platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      { digest: 'b', platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      { digest: 'c', platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { digest: 'd', platform: { os: 'linux', architecture: 'amd64' } },
      { digest: 'e', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { digest: 'f', platform: { os: 'windows', architecture: 'amd64' } },
    ];
    expect(selectPlatform(entries, { os: 'linux', architecture: 'amd64' })?.digest).toBe('d');
    expect(selectPlatform(entries, parsePlatform('linux/arm/v7'))?.digest).toBe('c');
    expect(selectPlatform(entries, parsePlatform('linux/arm64'))?.digest).toBe('e');
    expect(selectPlatform(entries, parsePlatform('windows/amd64'))?.digest).toBe('f');
    expect(selectPlatform(entries, parsePlatform('linux/s390x'))).toBeUndefined();
  });
});
