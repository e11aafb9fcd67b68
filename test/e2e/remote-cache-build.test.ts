// The build cache crosses machines: a build exports its cache (--cache-to)
// into a real registry or a folder; the same Boxfile built in a FRESH store
// with --cache-from runs no RUN step (each RUN writes a random uuid: the
// stamps stay those of the first build) and gives the same image ID.
// mode=min exports only the final stage's chain: a helper stage runs again.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageStore } from '../../src/image/store.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-server.js';
import { missing } from '../helpers/requires.js';
import { cleanupBusybox, cli, ensureNative, makeStore, type TestStore } from './build-helpers.js';

const why = missing('registry', 'skopeo', 'root', 'overlay', 'unshare', 'busybox');

/** the manifest as skopeo reads it (a registry reference or oci:DIR) */
function skopeoManifest(target: string): { config: { mediaType: string }; layers: unknown[] } {
  return JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', target], { encoding: 'utf8' })) as { config: { mediaType: string }; layers: unknown[] };
}

interface Steps {
  runs: string[];
  cachedRuns: string[];
  cached: string[];
  imageId: string;
}

/** RUN steps and cached steps, by "stage/instruction index", from --progress json */
function steps(stderr: string): Steps {
  const info = new Map<string, { instruction: string; where: string }>();
  const out: Steps = { runs: [], cachedRuns: [], cached: [], imageId: '' };
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    const e = JSON.parse(line) as { type: string; id?: string; imageId?: string; step?: { id: string; stageName: string; index: number; instruction: string } };
    if (e.type === 'step-start' && e.step) {
      const where = `${e.step.stageName}#${e.step.index}`;
      info.set(e.step.id, { instruction: e.step.instruction, where });
      if (e.step.instruction === 'RUN') out.runs.push(where);
    }
    if (e.type === 'step-cached' && e.id) {
      const i = info.get(e.id);
      out.cached.push(i?.where ?? e.id);
      if (i?.instruction === 'RUN') out.cachedRuns.push(i.where);
    }
    if (e.type === 'build-done' && e.imageId) out.imageId = e.imageId;
  }
  return out;
}

describe.skipIf(!!why)('build cache through a registry and a folder', () => {
  let reg: TestRegistry | undefined;
  const stores: TestStore[] = [];
  let base: string;
  let boxfile: string;

  beforeAll(async () => {
    ensureNative();
    reg = await startRegistry({ kind: 'none' });
    const src = await makeStore();
    stores.push(src);
    base = `${reg.host}/busybox:1`;
    const r = await cli(['--root', src.root, 'push', 'busybox:latest', base]);
    if (r.code !== 0) throw new Error(`push: ${r.stderr}`);
    boxfile = [
      `FROM ${base} AS helper`,
      'RUN cat /proc/sys/kernel/random/uuid > /helper-stamp',
      `FROM ${base}`,
      'COPY input.txt /input.txt',
      'RUN cat /proc/sys/kernel/random/uuid > /stamp',
      'ENV DONE=1',
      'RUN echo "$DONE" > /done && rm /input.txt',
      'COPY --from=helper /helper-stamp /helper-stamp',
      '',
    ].join('\n');
  });
  afterAll(async () => {
    for (const s of stores) s.cleanup();
    await reg?.stop();
    cleanupBusybox();
  });

  const fresh = async (): Promise<{ s: TestStore; ctx: string }> => {
    const s = await makeStore({ busybox: false });
    stores.push(s);
    const ctx = path.join(s.tmp, 'ctx');
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, 'Boxfile'), boxfile);
    writeFileSync(path.join(ctx, 'input.txt'), 'input\n');
    return { s, ctx };
  };
  const build = async (s: TestStore, args: string[]): Promise<Steps> => {
    const r = await cli(['--root', s.root, 'build', '--progress', 'json', ...args]);
    if (r.code !== 0) throw new Error(`build failed (${r.code}): ${r.stderr.slice(-3000)}`);
    const st = steps(r.stderr);
    expect(st.imageId).toBe(r.stdout.trim());
    return st;
  };

  it('type=registry, mode=max: a fresh store runs no RUN and makes the same image', async () => {
    const a = await fresh();
    const ref = `${reg!.host}/cache/app:buildcache`;
    const first = await build(a.s, ['-t', 'app:1', '--cache-to', `type=registry,ref=${ref},mode=max`, a.ctx]);
    expect(first.runs).toHaveLength(3);
    expect(first.cachedRuns).toEqual([]);
    const stamp = await a.s.file('app:1', '/stamp');
    const helperStamp = await a.s.file('app:1', '/helper-stamp');
    expect(stamp).toMatch(/^[0-9a-f-]{36}\n$/);
    // an ordinary OCI manifest to other tools: the records in its config, the layers (gzip) beside them
    const m = skopeoManifest(`docker://${ref}`);
    expect(m.config.mediaType).toBe('application/vnd.tsbuild.cache.config.v1+json');
    expect(m.layers).toHaveLength(5); // mode=max: helper RUN, COPY, RUN stamp, RUN done, COPY --from

    const b = await fresh();
    const second = await build(b.s, ['-t', 'app:1', '--cache-from', `type=registry,ref=${ref}`, b.ctx]);
    expect(second.runs).toHaveLength(3);
    expect(second.cachedRuns).toEqual(second.runs);
    expect(await b.s.file('app:1', '/stamp')).toBe(stamp);
    expect(await b.s.file('app:1', '/helper-stamp')).toBe(helperStamp);
    expect(await b.s.file('app:1', '/done')).toBe('1\n');
    expect(second.imageId).toBe(first.imageId);

    // without --cache-from a fresh store runs everything again (the cache is what made the difference)
    const c = await fresh();
    const third = await build(c.s, ['-t', 'app:1', c.ctx]);
    expect(third.cachedRuns).toEqual([]);
    expect(await c.s.file('app:1', '/stamp')).not.toBe(stamp);

    // a changed input misses from that step on, and only there
    const d = await fresh();
    writeFileSync(path.join(d.ctx, 'input.txt'), 'changed\n');
    const fourth = await build(d.s, ['--cache-from', ref, d.ctx]);
    expect(fourth.cachedRuns).toEqual(['helper#2']);
  });

  it('type=local, mode=min: the final stage chain is cached, the helper stage runs again', async () => {
    const a = await fresh();
    const dir = path.join(a.s.tmp, 'cache-dir');
    const first = await build(a.s, ['-t', 'app:1', '--cache-to', `type=local,dest=${dir}`, a.ctx]);
    expect(first.cachedRuns).toEqual([]);
    const stamp = await a.s.file('app:1', '/stamp');
    expect(skopeoManifest(`oci:${dir}`).config.mediaType).toBe('application/vnd.tsbuild.cache.config.v1+json');

    const b = await fresh();
    const second = await build(b.s, ['-t', 'app:1', '--cache-from', `type=local,src=${dir}`, b.ctx]);
    expect(second.cachedRuns.sort()).toEqual(['stage-1#3', 'stage-1#5']);
    expect(second.runs).toContain('helper#2');
    expect(await b.s.file('app:1', '/stamp')).toBe(stamp);
  });

  it('a tampered layer in the registry is refused by digest and never enters the store', async () => {
    const a = await fresh();
    const ref = `${reg!.host}/cache/tamper:1`;
    await build(a.s, ['--cache-to', `type=registry,ref=${ref},mode=max`, a.ctx]);
    const res = await fetch(`http://${reg!.host}/v2/cache/tamper/manifests/1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const manifest = (await res.json()) as { config: { digest: string }; layers: { digest: string }[] };
    const victim = manifest.layers.at(-1)!.digest; // the COPY --from layer: a uuid only this build made
    const config = (await (await fetch(`http://${reg!.host}/v2/cache/tamper/blobs/${manifest.config.digest}`)).json()) as { rootfs: { diff_ids: string[] } };
    const victimDiffId = config.rootfs.diff_ids.at(-1)!;
    const file = reg!.blobDataPath(victim);
    const bytes = readFileSync(file);
    const mid = bytes.length >> 1;
    bytes[mid] = (bytes[mid] as number) ^ 0xff;
    writeFileSync(file, bytes);

    const b = await fresh();
    const r = await cli(['--root', b.s.root, 'build', '--progress', 'plain', '--cache-from', `type=registry,ref=${ref}`, b.ctx]);
    expect(r.code).toBe(125);
    expect(r.stderr).toContain(victim);
    expect(r.stderr).toMatch(/digest/i);
    expect(r.stderr).toContain(ref);
    const store = await ImageStore.open(b.s.root);
    try {
      expect(await store.hasBlob(victimDiffId)).toBe(false);
      expect(await store.hasBlob(config.rootfs.diff_ids[0]!)).toBe(true); // layers before it were fine and kept
    } finally {
      await store.close();
    }
  });

  it('a cache reference that does not exist fails and names it', async () => {
    const a = await fresh();
    const ref = `${reg!.host}/cache/none:x`;
    const r = await cli(['--root', a.s.root, 'build', '--progress', 'plain', '--cache-from', `type=registry,ref=${ref}`, a.ctx]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(ref);
  });
});
