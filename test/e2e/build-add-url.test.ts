// ADD <url> without --checksum is keyed by the content the URL serves (as
// BuildKit does), not by the URL: same content → cache hit (asked with
// If-None-Match, answered 304, not downloaded again); changed content at the
// same URL → the ADD and what follows run again. A small HTTP server on
// 127.0.0.1 plays the remote.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missing } from '../helpers/requires.js';
import { cachedSteps, cleanupBusybox, ensureNative, makeStore, type TestStore } from './build-helpers.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('build: ADD URL keyed by content', () => {
  let s: TestStore;
  let server: Server;
  let port = 0;
  let body = 'version 1\n';
  let etagged = true;
  const log: { url: string; status: number; inm?: string }[] = [];
  let dir = '';
  beforeAll(async () => {
    ensureNative();
    s = await makeStore();
    server = createServer((req, res) => {
      const etag = `"${Buffer.from(body).toString('hex')}"`;
      const inm = req.headers['if-none-match'];
      let status = 200;
      if (req.url !== '/data.txt') status = 404;
      else if (etagged && inm === etag) status = 304;
      log.push({ url: req.url ?? '', status, ...(typeof inm === 'string' ? { inm } : {}) });
      res.statusCode = status;
      if (status === 200 && etagged) res.setHeader('etag', etag);
      res.end(status === 200 ? body : undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
    dir = path.join(s.tmp, 'ctx');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'Boxfile'), `FROM busybox\nARG PORT\nADD http://127.0.0.1:\${PORT}/data.txt /srv/\nRUN cat /srv/data.txt /proc/sys/kernel/random/uuid > /stamp\n`);
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    s?.cleanup();
    cleanupBusybox();
  });

  const build = (tag: string) => s.build(['-t', tag, '--build-arg', `PORT=${port}`, dir]);

  it('the same content is a cache hit, asked for with If-None-Match and not downloaded again', async () => {
    const a = await build('url:a');
    expect(a.code, a.stderr).toBe(0);
    expect(await s.file('url:a', '/srv/data.txt')).toBe('version 1\n');
    log.length = 0;
    const b = await build('url:b');
    expect(b.code, b.stderr).toBe(0);
    expect(cachedSteps(b.stderr)).toHaveLength(2);
    expect(await s.file('url:b', '/stamp')).toBe(await s.file('url:a', '/stamp'));
    expect(log).toEqual([{ url: '/data.txt', status: 304, inm: expect.stringMatching(/^"/) }]);
  });

  it('changed content at the same URL runs the ADD and every later step again', async () => {
    body = 'version 2\n';
    const c = await build('url:c');
    expect(c.code, c.stderr).toBe(0);
    expect(cachedSteps(c.stderr)).toEqual([]);
    expect(await s.file('url:c', '/srv/data.txt')).toBe('version 2\n');
    expect(await s.file('url:c', '/stamp')).not.toBe(await s.file('url:a', '/stamp'));
  });

  it('without ETag or Last-Modified it downloads again and still hits when the bytes are the same', async () => {
    etagged = false;
    log.length = 0;
    const d = await build('url:d');
    expect(d.code, d.stderr).toBe(0);
    expect(cachedSteps(d.stderr)).toHaveLength(2);
    expect(log.map((l) => l.status)).toEqual([200]);
    expect(await s.file('url:d', '/stamp')).toBe(await s.file('url:c', '/stamp'));
  });

  it('a URL that fails names the Boxfile line and column and the status', async () => {
    const bad = path.join(s.tmp, 'bad');
    mkdirSync(bad);
    writeFileSync(path.join(bad, 'Boxfile'), `FROM busybox\nADD http://127.0.0.1:${port}/missing.txt /x\n`);
    const r = await s.build(['-t', 'url:bad', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Boxfile:2:1: ADD http:\/\/127\.0\.0\.1:\d+\/missing\.txt: HTTP 404/);
  });
});
