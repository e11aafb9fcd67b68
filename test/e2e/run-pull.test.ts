// `tsbuild run REF` pulls a missing image from its registry by itself (a
// fresh store), runs it, and names the image when the registry lacks it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image/store.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { importTar, startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { missing } from '../helpers/requires.js';
import { ensureNative } from './build-helpers.js';
import { run, type Harness } from './run-harness.js';

const why = missing('registry', 'root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('run: a missing image is pulled', () => {
  let reg: TestRegistry | undefined;
  let rootfs: BusyboxRootfs | undefined;
  let tmp: string | undefined;
  let id: string;
  const harness = (name: string): Harness => ({ rootfs: rootfs!, root: path.join(tmp!, name), tmp: tmp!, cleanup: () => undefined });

  beforeAll(async () => {
    ensureNative();
    tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-run-pull-'));
    reg = await startRegistry({ kind: 'none' });
    rootfs = makeBusyboxRootfs({ tar: true });
    const src = await ImageStore.open(path.join(tmp, 'src'));
    try {
      id = (await importTar(src, readFileSync(rootfs.tar as string), 'busybox:latest')).id;
    } finally {
      await src.close();
    }
    const { main } = await import('../../src/cli/main.js');
    const { PassThrough } = await import('node:stream');
    const out = new PassThrough();
    const err = new PassThrough();
    let errText = '';
    err.on('data', (c: Buffer) => (errText += c.toString()));
    out.resume();
    const code = await main(['--root', path.join(tmp, 'src'), 'push', 'busybox:latest', `${reg.host}/busybox:1`], { stdout: out, stderr: err, env: { ...process.env }, cwd: tmp });
    if (code !== 0) throw new Error(`push failed: ${errText}`);
  });
  afterAll(async () => {
    await reg?.stop();
    rootfs?.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('pulls into a fresh store, then runs; the second run uses the store', async () => {
    const h = harness('fresh');
    const ref = `${reg!.host}/busybox:1`;
    const r = await run(h, ['--rm', ref, 'sh', '-c', 'echo ran; exit 3']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.stdout).toBe('ran\n');
    expect(r.code).toBe(3);
    const store = await ImageStore.open(h.root);
    try {
      expect((await store.resolve(ref)).id).toBe(id);
    } finally {
      await store.close();
    }
    // now in the store: run resolves it there (no second pull)
    const again = await run(h, ['--rm', ref, 'true']);
    expect(again.code).toBe(0);
  });

  it('an image the registry lacks fails with 125 and names the image', async () => {
    const ref = `${reg!.host}/absent:2`;
    const r = await run(harness('absent'), ['--rm', ref, 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(ref);
  });
});
