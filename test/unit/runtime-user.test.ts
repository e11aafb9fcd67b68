import { describe, expect, it } from 'vitest';
import { resolveUser } from '../../src/runtime/user.js';

const passwd = [
  'root:x:0:0:root:/root:/bin/sh',
  '# comment',
  'daemon:x:1:1:daemon:/usr/sbin:/bin/false',
  'app:x:1000:1000:app:/home/app:/bin/sh',
  'broken:x:notanumber:1::/:',
].join('\n');
const group = ['root:x:0:', 'daemon:x:1:', 'wheel:x:10:app', 'audio:x:29:daemon,app', 'app:x:1000:'].join('\n');

describe('resolveUser (runc rules)', () => {
  const ok: [string, number, number, number[], string][] = [
    ['', 0, 0, [], '/root'],
    ['root', 0, 0, [], '/root'],
    ['app', 1000, 1000, [10, 29], '/home/app'],
    ['1000', 1000, 1000, [10, 29], '/home/app'],
    ['app:wheel', 1000, 10, [], '/home/app'],
    ['app:0', 1000, 0, [], '/home/app'],
    ['4242', 4242, 0, [], '/'],
    ['4242:4343', 4242, 4343, [], '/'],
    ['daemon:audio', 1, 29, [], '/usr/sbin'],
  ];
  for (const [specStr, uid, gid, groups, home] of ok) {
    it(`-u ${JSON.stringify(specStr)}`, () => {
      const u = resolveUser(specStr, passwd, group);
      expect([u.uid, u.gid, u.additionalGids, u.home]).toEqual([uid, gid, groups, home]);
    });
  }
  it('unknown names fail with the name', () => {
    expect(() => resolveUser('nobody2', passwd, group)).toThrow(/"nobody2".*no matching entries/);
    expect(() => resolveUser('app:nogroup', passwd, group)).toThrow(/no group "nogroup"/);
    expect(() => resolveUser('broken', passwd, group)).toThrow(/no matching entries/);
  });
  it('without /etc/passwd numeric ids still work and names fail', () => {
    expect(resolveUser('7:8', undefined, undefined)).toMatchObject({ uid: 7, gid: 8, home: '/' });
    expect(() => resolveUser('app', undefined, undefined)).toThrow(/no \/etc\/passwd/);
  });
  it('rejects ids out of range', () => {
    expect(() => resolveUser('4294967295', passwd, group)).toThrow(/out of range/);
  });
});
