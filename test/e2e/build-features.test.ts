// ONBUILD triggers of a base image, independent stages running side by side
// (their trace spans overlap), ADD of an http URL with --checksum, RUN
// --network none/host, --label, -o type=tar, FROM oci-archive:, and two
// builds sharing one store at the same time.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { cli, cleanupBusybox, ensureNative, makeStore, type TestStore } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('build: ONBUILD, parallel stages, ADD URL, networks, outputs', () => {
  let s: TestStore;
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    ensureNative();
    s = await makeStore();
    server = createServer((req, res) => {
      if (req.url === '/hello.txt') res.end('hello world');
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    const base = await s.build(['-t', 'obase', s.context('onbuild-base')]);
    if (base.code !== 0) throw new Error(base.stderr);
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    s?.cleanup();
    cleanupBusybox();
  });

  it('runs the base image triggers, both stages side by side, fetches and checks the URL', async () => {
    const trace = path.join(s.tmp, 'trace.json');
    const tarOut = path.join(s.tmp, 'rootfs.tar');
    const r = await s.build(['-t', 'feat', '--build-arg', `PORT=${port}`, '--label', 'org.example.l=yes', '--trace', trace, '-o', `type=tar,dest=${tarOut}`, s.context('features')]);
    expect(r.stderr).not.toContain('ERROR');
    expect(r.code).toBe(0);
    expect(await s.file('feat', '/onbuild-proof')).toBe('trigger ran\n');
    expect(await s.file('feat', '/marker.txt')).toBe('marker from the child context\n');
    expect(await s.file('feat', '/from/left')).toBe('left\n');
    expect(await s.file('feat', '/from/right')).toBe('right\n');
    expect(await s.file('feat', '/downloaded/hello.txt')).toBe('hello world');
    const cfg = await s.config('feat');
    expect(cfg.config?.OnBuild ?? []).toEqual([]);
    expect(cfg.config?.Labels).toMatchObject({ 'org.example.l': 'yes' });
    expect((await s.config('obase')).config?.OnBuild).toEqual(['RUN echo "trigger ran" > /onbuild-proof', 'COPY marker.txt /marker.txt']);

    // a new network namespace has only lo; the host's has more
    const none = Number((await s.file('feat', '/net-none'))?.trim());
    const host = Number((await s.file('feat', '/net-host'))?.trim());
    expect(none).toBe(3);
    expect(host).toBeGreaterThan(none);

    // the two independent stages overlapped in time
    const t = JSON.parse(readFileSync(trace, 'utf8')) as { traceEvents: { cat: string; name: string; ts: number; dur: number }[] };
    const span = (n: string) => t.traceEvents.find((e) => e.cat === 'stage' && e.name === `stage ${n}`)!;
    const [l, rt] = [span('left'), span('right')];
    expect(l.ts < rt.ts + rt.dur && rt.ts < l.ts + l.dur).toBe(true);

    const listing = execFileSync('tar', ['-tf', tarOut], { encoding: 'utf8' });
    expect(listing).toMatch(/^(\.\/)?from\/left$/m);
  });

  it('a wrong --checksum fails the ADD step', async () => {
    const dir = s.context('features');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'Boxfile'), `FROM busybox\nADD --checksum=sha256:${'0'.repeat(64)} http://127.0.0.1:${port}/hello.txt /x\n`);
    const r = await s.build(['.'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Boxfile:2: ADD .*checksum mismatch/);
  });

  it('FROM oci-archive: loads the base from an archive', async () => {
    const archive = path.join(s.tmp, 'busybox.tar');
    expect((await cli(['--root', s.root, 'save', '-o', archive, 'busybox:latest'])).code).toBe(0);
    const dir = s.context('onbuild-base');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'Boxfile'), 'ARG ARCHIVE\nFROM oci-archive:${ARCHIVE}\nRUN echo from-archive > /proof\n');
    const r = await s.build(['-t', 'fromarchive', '--build-arg', `ARCHIVE=${archive}`, dir]);
    expect(r.code).toBe(0);
    expect(await s.file('fromarchive', '/proof')).toBe('from-archive\n');
  });

  it('two builds share one store at the same time', async () => {
    const [a, b] = await Promise.all([s.build(['-t', 'par:a', s.context('repro')]), s.build(['-t', 'par:b', s.context('repro')])]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(await s.file('par:b', '/var/lib/app/state')).toBe('built\n');
  });
});
