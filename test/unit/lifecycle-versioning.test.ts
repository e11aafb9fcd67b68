import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { overlayLowers } from '../../src/runtime/lifecycle/overlay-lowers.js';
import { upperChanges } from '../../src/runtime/lifecycle/versioning.js';
import { overlayOptions } from '../../src/runtime/overlay.js';

describe('overlay lowers from the option string', () => {
  it('undoes overlay.ts escaping and resolves against the base dir', () => {
    const lowers = ['/store/layers/a,b', '/store/layers/c:d', '/store/layers/e\\f'];
    const opts = overlayOptions({ lowers, upper: '/store/containers/x/upper', work: '/store/containers/x/work', baseDir: '/store' });
    expect(overlayLowers(opts, '/store')).toEqual(lowers);
    expect(overlayLowers(overlayOptions({ lowers: ['/l1', '/l2'] }))).toEqual(['/l1', '/l2']);
  });
});

describe('upper dir changes (docker diff)', () => {
  it('A for new, C for present below, sorted by path', () => {
    const base = mkdtempSync(path.join(tmpdir(), 'lc-diff-'));
    try {
      const lower = path.join(base, 'lower');
      const upper = path.join(base, 'upper');
      mkdirSync(path.join(lower, 'etc'), { recursive: true });
      writeFileSync(path.join(lower, 'etc', 'motd'), 'a');
      mkdirSync(path.join(upper, 'etc'), { recursive: true });
      writeFileSync(path.join(upper, 'etc', 'motd'), 'b');
      writeFileSync(path.join(upper, 'etc', 'new'), 'n');
      mkdirSync(path.join(upper, 'srv'));
      expect(upperChanges(upper, [lower]).map((c) => `${c.kind} ${c.path}`)).toEqual(['C /etc', 'C /etc/motd', 'A /etc/new', 'A /srv']);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
