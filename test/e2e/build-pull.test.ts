// A build FROM a registry reference pulls the base by itself into an empty
// store; --pull re-resolves a tag that moved in the registry; a missing
// reference fails with an error naming it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image/store.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { missing } from '../helpers/requires.js';
import { cleanupBusybox, cli, ensureNative, makeStore, type TestStore } from './build-helpers.js';

const why = missing('registry', 'root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('build: FROM a registry reference', () => {
  let reg: TestRegistry | undefined;
  let src: TestStore | undefined;
  const stores: TestStore[] = [];
  let base: string;

  beforeAll(async () => {
    ensureNative();
    reg = await startRegistry({ kind: 'none' });
    src = await makeStore();
    base = `${reg.host}/busybox:1`;
    const r = await cli(['--root', src.root, 'push', 'busybox:latest', base]);
    expect(r.code).toBe(0);
  });
  afterAll(async () => {
    for (const s of stores) s.cleanup();
    src?.cleanup();
    await reg?.stop();
    cleanupBusybox();
  });

  const fresh = async (): Promise<TestStore> => {
    const s = await makeStore({ busybox: false });
    stores.push(s);
    return s;
  };
  const boxfile = (s: TestStore, text: string): string => {
    const dir = path.join(s.tmp, `ctx-${Math.random().toString(36).slice(2)}`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'Boxfile'), text);
    return dir;
  };
  const imageId = async (s: TestStore, ref: string): Promise<string | undefined> => {
    const store = await ImageStore.open(s.root);
    try {
      return (await store.resolve(ref)).id;
    } catch {
      return undefined;
    } finally {
      await store.close();
    }
  };

  it('pulls a missing base into a fresh store and runs RUN on it', async () => {
    const s = await fresh();
    expect(await imageId(s, base)).toBeUndefined();
    const ctx = boxfile(s, `FROM ${base}\nRUN echo pulled > /out\n`);
    const r = await s.build(['-t', 'out:1', ctx]);
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(r.code).toBe(0);
    expect(await imageId(s, base)).toBe(await imageId(src as TestStore, 'busybox:latest'));
    expect(await s.file('out:1', '/out')).toBe('pulled\n');
  });

  it('--pull re-resolves a tag that moved; without it the stored base is used', async () => {
    const s = await fresh();
    const moving = `${reg!.host}/moving:1`;
    // v1 is busybox; v2 adds a file
    expect((await cli(['--root', src!.root, 'push', 'busybox:latest', moving])).code).toBe(0);
    const ctx = boxfile(s, `FROM ${moving}\nENV STEP=1\n`);
    expect((await s.build(['-t', 'm:1', ctx])).code).toBe(0);
    const v1 = await imageId(s, moving);
    expect(v1).toBe(await imageId(src!, 'busybox:latest'));

    const v2ctx = boxfile(src!, 'FROM busybox:latest\nRUN echo two > /version\n');
    expect((await src!.build(['-t', 'busybox:v2', v2ctx])).code).toBe(0);
    expect((await cli(['--root', src!.root, 'push', 'busybox:v2', moving])).code).toBe(0);
    const v2 = await imageId(src!, 'busybox:v2');
    expect(v2).not.toBe(v1);

    expect((await s.build(['-t', 'm:2', ctx])).code).toBe(0);
    expect(await imageId(s, moving)).toBe(v1); // present: not pulled again
    expect(await s.file('m:2', '/version')).toBeUndefined();

    const r = await s.build(['--pull', '-t', 'm:3', ctx]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/warning: --pull/);
    expect(await imageId(s, moving)).toBe(v2);
    expect(await s.file('m:3', '/version')).toBe('two\n');
  });

  it('a reference the registry does not have fails and names it', async () => {
    const s = await fresh();
    const ref = `${reg!.host}/nothing-here:7`;
    const r = await s.build([boxfile(s, `# a comment\nFROM  ${ref} AS base\nRUN true\n`)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(ref);
    // the Boxfile position of the reference, on the error and on the pull step's ERROR line
    expect(r.stderr).toMatch(new RegExp(`Boxfile:2:7: FROM ${ref.replace(/[.]/g, '\\.')}: `));
    expect(r.stderr).toMatch(/^#1 \[base 1\/2\] pull .*nothing-here:7$/m);
    expect(r.stderr).toMatch(/^#1 ERROR: .*Boxfile:2:7/m);
  });

  it('a unreachable registry names the Boxfile line and column too', async () => {
    const s = await fresh();
    const ref = '127.0.0.1:9/nowhere:1'; // the discard port: nothing listens there
    const ctx = boxfile(s, `FROM busybox AS a\nCOPY --from=${ref} /x /x\n`);
    const r = await s.build([ctx]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Boxfile:2:\d+: --from=127\.0\.0\.1:9\/nowhere:1: /);
  });

  it('the pull shows as a build step with its resolve and blob lines', async () => {
    const s = await fresh();
    const r = await s.build([boxfile(s, `FROM ${base}\nRUN true\n`)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^#1 \\[1/2\\] pull ${base.replace(/[.]/g, '\\.')}$`, 'm'));
    expect(r.stderr).toMatch(/^#1 [\d.]+ resolve .* sha256:[a-f0-9]{64}/m);
    expect(r.stderr).toMatch(/^#1 [\d.]+ sha256:[a-f0-9]{64} \d+ bytes done$/m);
    expect(r.stderr).toMatch(/^#1 DONE /m);
  });
});
