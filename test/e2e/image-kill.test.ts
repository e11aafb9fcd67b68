// SIGKILL `tsbuild import` and `tsbuild load` at random moments, many times,
// some of them running at once on one store; after every round the store
// must be consistent: every tag whole (system check passes), and after the
// rounds `prune` leaves no leftovers.
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, rmSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type BuiltCli } from '../helpers/image-cli.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { missing } from '../helpers/requires.js';
import { checkStore } from '../../src/image/check.js';
import { ImageStore } from '../../src/image/store.js';

const why = missing('root', 'busybox');
const ROUNDS = 20;

describe.skipIf(!!why)('SIGKILL during import and load', () => {
  let cli: BuiltCli;
  let rootfs: BusyboxRootfs;
  let base: string;
  let bigTar: string;
  let archive: string;

  const tsbuild = (root: string, args: string[]) => spawn(process.execPath, [cli.bin, '--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const finish = (p: ReturnType<typeof tsbuild>) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
      let stderr = '';
      p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      p.on('close', (code, signal) => resolve({ code, signal, stderr }));
    });

  beforeAll(async () => {
    cli = await buildCli();
    rootfs = makeBusyboxRootfs({ tar: true });
    base = mkdtempSync(path.join(tmpdir(), 'tsbuild-kill-'));
    // a bigger input so that kills land inside blob writes too
    const big = path.join(base, 'big');
    execFileSync('cp', ['-a', rootfs.dir, big]);
    writeFileSync(path.join(big, 'random.bin'), Buffer.alloc(24 << 20, 7).map((_, i) => (i * 2654435761) >>> 24));
    bigTar = path.join(base, 'big.tar');
    execFileSync('tar', ['-C', big, '-cf', bigTar, '.']);
    const seed = path.join(base, 'seed');
    for (const args of [['import', bigTar, 'seed:big'], ['save', '-o', path.join(base, 'seed.tar'), 'seed:big']]) {
      const r = await finish(tsbuild(seed, args));
      expect(r.code, r.stderr).toBe(0);
    }
    archive = path.join(base, 'seed.tar');
  }, 180_000);

  afterAll(() => {
    cli?.cleanup();
    rootfs?.cleanup();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  it(`keeps every tag whole across ${ROUNDS} rounds of kills`, async () => {
    const root = path.join(base, 'store');
    // how long an uninterrupted import takes, to spread the kills over it
    const t0 = Date.now();
    const first = await finish(tsbuild(root, ['import', '--change', 'CMD ["/bin/sh"]', bigTar, 'first:1']));
    expect(first.code, first.stderr).toBe(0);
    const span = Math.max(200, Date.now() - t0);
    let killed = 0;
    let completed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const procs = [
        tsbuild(root, ['import', '--change', `ENV ROUND=${round}`, round % 3 === 0 ? rootfs.tar! : bigTar, `imp:${round}`]),
        tsbuild(root, ['load', '-i', archive]),
      ];
      if (round % 4 === 0) procs.push(tsbuild(root, ['prune']));
      const results = procs.map(finish);
      // most kills land inside the work; some rounds run to the end
      const delay = Math.floor(Math.random() * span * (round % 5 === 4 ? 6 : 1.5));
      await new Promise((r) => setTimeout(r, delay));
      for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      for (const r of await Promise.all(results)) {
        if (r.signal === 'SIGKILL') killed++;
        else {
          expect(r.code, r.stderr).toBe(0);
          completed++;
        }
      }
      const store = await ImageStore.open(root);
      const report = await checkStore(store);
      await store.close();
      expect(report.problems, `round ${round}, kill after ${delay} ms`).toEqual([]);
    }
    expect(killed).toBeGreaterThan(ROUNDS / 2);
    expect(completed).toBeGreaterThan(0);

    const check = await finish(tsbuild(root, ['system', 'check']));
    expect(check.code, check.stderr).toBe(0);
    const images = execFileSync(process.execPath, [cli.bin, '--root', root, 'images', '--format', 'json'], { encoding: 'utf8' });
    const tags = images.trim().split('\n').map((l) => JSON.parse(l) as { Repository: string; Tag: string }).map((i) => `${i.Repository}:${i.Tag}`);
    expect(tags).toContain('first:1');
    for (const t of tags.filter((x) => x.startsWith('imp:'))) {
      const insp = JSON.parse(execFileSync(process.execPath, [cli.bin, '--root', root, 'inspect', t], { encoding: 'utf8' })) as { Config: { Env: string[] } }[];
      expect(insp[0]?.Config.Env).toEqual([`ROUND=${t.slice(4)}`]);
    }

    const pr = await finish(tsbuild(root, ['prune']));
    expect(pr.code, pr.stderr).toBe(0);
    expect(readdirSync(path.join(root, 'image/tmp'))).toEqual([]);
    expect(readdirSync(path.join(root, 'locks')).filter((n) => n.startsWith('.'))).toEqual([]);
    expect(readdirSync(path.join(root, 'locks/writers'))).toEqual([]);
    const after = await finish(tsbuild(root, ['system', 'check']));
    expect(after.code, after.stderr).toBe(0);
    // prune removed only what no tag needs: a blob count equal to what the tags reference
    const store = await ImageStore.open(root);
    const needed = new Set<string>();
    for (const img of await store.images()) {
      const m = JSON.parse(readFileSync(store.blobPath(img.manifestDigest), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
      [img.manifestDigest, m.config.digest, ...m.layers.map((l) => l.digest)].forEach((d) => needed.add(d.slice(7)));
    }
    await store.close();
    expect(readdirSync(path.join(root, 'image/blobs/sha256')).sort()).toEqual([...needed].sort());
    console.log(`kill test: uninterrupted import ${span} ms, ${killed} processes killed, ${completed} completed, ${tags.length} tags whole`);
  }, 600_000);
});
