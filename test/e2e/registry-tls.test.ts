// A registry serving HTTPS with a self-signed certificate (openssl) on
// 127.0.0.1: insecure registries (--tls-verify=false, --insecure-registry,
// loopback by default) are spoken to over TLS without certificate checks;
// --tls-verify=true still refuses the certificate, naming the registry and
// storing nothing. A plain-HTTP registry marked insecure still works (the
// fallback after TLS fails).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { normalizeRef, parseRef } from '../../src/image/refs.js';
import { pull } from '../../src/image/registry/pull.js';
import { push } from '../../src/image/registry/push.js';
import { ImageStore } from '../../src/image/store.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { importTar, startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { missing } from '../helpers/requires.js';

const why = missing('registry', 'busybox', 'root');

describe.skipIf(!!why)('registry over HTTPS with a self-signed certificate', () => {
  let tlsReg: TestRegistry;
  let plainReg: TestRegistry;
  let work: string;
  let rootfs: BusyboxRootfs;
  let src: ImageStore;
  let id: string;
  const stores: ImageStore[] = [];
  const freshStore = async (): Promise<ImageStore> => {
    const s = await ImageStore.open(mkdtempSync(path.join(work, 'store-')));
    stores.push(s);
    return s;
  };
  const cli = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, {
      stdout: { write: (s: string) => (out.push(s), true) } as unknown as NodeJS.WritableStream,
      stderr: { write: (s: string) => (err.push(s), true) } as unknown as NodeJS.WritableStream,
      env: { PATH: process.env.PATH, DOCKER_CONFIG: path.join(work, 'docker') },
    });
    return { code, out: out.join(''), err: err.join('') };
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'tsbuild-registry-tls-'));
    tlsReg = await startRegistry({ kind: 'none' }, { tls: true });
    plainReg = await startRegistry({ kind: 'none' });
    rootfs = makeBusyboxRootfs({ tar: true });
    src = await freshStore();
    id = (await importTar(src, readFileSync(rootfs.tar as string), 'tsbuild-test/busybox:1')).id;
  });

  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    await tlsReg?.stop();
    await plainReg?.stop();
    rootfs?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('really serves TLS: plain HTTP is refused by the registry', async () => {
    const res = await fetch(`http://${tlsReg.host}/v2/`);
    expect(res.status).toBe(400);
    await res.body?.cancel();
  });

  it('pushes and pulls with --tls-verify=false (library), same image ID', async () => {
    const image = await src.resolve('tsbuild-test/busybox:1');
    const pushed = await push(src, image, parseRef(`${tlsReg.host}/tls/busybox:1`), { tlsVerify: false });
    const dst = await freshStore();
    const pulled = await pull(dst, normalizeRef(`${tlsReg.host}/tls/busybox:1`), { tlsVerify: false });
    expect(pulled.id).toBe(id);
    expect(pulled.repoDigest).toBe(pushed.manifestDigest);
  });

  it('the CLI pulls with --tls-verify=false, --insecure-registry, and by default on loopback', async () => {
    for (const flags of [['--tls-verify=false'], ['--insecure-registry', tlsReg.host], []]) {
      const root = mkdtempSync(path.join(work, 'cli-'));
      const r = await cli(['--root', root, 'pull', ...flags, `${tlsReg.host}/tls/busybox:1`]);
      expect({ flags, code: r.code, err: r.code === 0 ? '' : r.err }).toEqual({ flags, code: 0, err: '' });
      expect(r.out).toBe(`${id}\n`);
    }
  });

  it('--tls-verify=true refuses the self-signed certificate with an error naming the registry, storing nothing', async () => {
    const root = mkdtempSync(path.join(work, 'cli-verify-'));
    const r = await cli(['--root', root, 'pull', '--tls-verify=true', `${tlsReg.host}/tls/busybox:1`]);
    expect(r.code).toBe(125);
    expect(r.err).toContain(`${tlsReg.host}: the TLS certificate of https://${tlsReg.host} is not trusted`);
    expect(r.err).toMatch(/SELF_SIGNED|CERT/);
    expect(r.err).toContain('--tls-verify=false');
    const blobs = path.join(root, 'image', 'blobs', 'sha256');
    expect(readdirSync(blobs)).toEqual([]);
    const p = await cli(['--root', root, 'push', '--tls-verify=true', '--quiet', 'tsbuild-test/busybox:1', `${tlsReg.host}/tls/x:1`]);
    expect(p.code).toBe(125);
  });

  it('a plain-HTTP registry marked insecure still works (TLS fails, plain HTTP follows)', async () => {
    const image = await src.resolve('tsbuild-test/busybox:1');
    await push(src, image, parseRef(`${plainReg.host}/plain/busybox:1`), { tlsVerify: false });
    const root = mkdtempSync(path.join(work, 'cli-plain-'));
    const r = await cli(['--root', root, 'pull', '--tls-verify=false', `${plainReg.host}/plain/busybox:1`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${id}\n`);
  });
});
