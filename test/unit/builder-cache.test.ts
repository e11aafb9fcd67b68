import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildCache } from '../../src/builder/cache.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'tsbuild-cache-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const key = (c: string) => c.repeat(64);
const layer = { diffId: `sha256:${'d'.repeat(64)}` as const, digest: `sha256:${'d'.repeat(64)}` as const, size: 1024, mediaType: 'application/vnd.oci.image.layer.v1.tar' };

describe('build cache index', () => {
  it('stores and finds entries by key, with or without a layer', async () => {
    const c = new BuildCache(root);
    expect(await c.get(key('a'))).toBeUndefined();
    await c.put({ key: key('a'), layer });
    await c.put({ key: key('b') });
    expect(await c.get(key('a'))).toEqual({ version: 1, key: key('a'), layer });
    expect(await c.get(key('b'))).toEqual({ version: 1, key: key('b') });
    // a second BuildCache on the same root (another build) sees them
    expect(await new BuildCache(root).get(key('a'))).toMatchObject({ layer });
  });

  it('ignores a corrupt or mismatched entry and refuses a malformed key', async () => {
    const c = new BuildCache(root);
    await c.put({ key: key('c'), layer });
    const dir = path.join(root, 'cache', 'build', 'cc');
    writeFileSync(path.join(dir, `${key('c')}.json`), '{"version":1,');
    expect(await c.get(key('c'))).toBeUndefined();
    writeFileSync(path.join(dir, `${key('c')}.json`), JSON.stringify({ version: 1, key: key('e') }));
    expect(await c.get(key('c'))).toBeUndefined();
    await expect(c.put({ key: '../../etc/passwd' })).rejects.toThrow(/bad cache key/);
  });

  it('concurrent writers of one key leave one complete entry and no temp files', async () => {
    const c = new BuildCache(root);
    await Promise.all(Array.from({ length: 20 }, () => c.put({ key: key('f'), layer })));
    expect(await c.get(key('f'))).toMatchObject({ layer });
    expect(readdirSync(path.join(root, 'cache', 'build', 'ff'))).toEqual([`${key('f')}.json`]);
  });
});
