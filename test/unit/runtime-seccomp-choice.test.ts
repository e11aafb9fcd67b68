import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCKER_DEFAULT_CAPABILITIES } from '../../src/runtime/capabilities.js';
import { loadSeccompProgram } from '../../src/runtime/seccomp-choice.js';

const cache = mkdtempSync(path.join(tmpdir(), 'tsbuild-seccomp-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('seccomp choice and cache', () => {
  it('unconfined is no program', async () => {
    expect(await loadSeccompProgram({ kind: 'unconfined' }, DOCKER_DEFAULT_CAPABILITIES, cache)).toBeUndefined();
  });
  it('caches the default program per capability set and returns the same bytes', async () => {
    const fresh = await loadSeccompProgram({ kind: 'default' }, DOCKER_DEFAULT_CAPABILITIES);
    const first = await loadSeccompProgram({ kind: 'default' }, DOCKER_DEFAULT_CAPABILITIES, cache);
    const files = readdirSync(path.join(cache, 'seccomp'));
    expect(files).toHaveLength(1);
    const second = await loadSeccompProgram({ kind: 'default' }, DOCKER_DEFAULT_CAPABILITIES, cache);
    expect(Buffer.from(second as Uint8Array)).toEqual(Buffer.from(fresh as Uint8Array));
    expect(Buffer.from(first as Uint8Array)).toEqual(Buffer.from(fresh as Uint8Array));
    // another capability set is another program (CAP_SYS_ADMIN unlocks syscalls)
    const admin = await loadSeccompProgram({ kind: 'default' }, DOCKER_DEFAULT_CAPABILITIES | (1n << 21n), cache);
    expect(readdirSync(path.join(cache, 'seccomp'))).toHaveLength(2);
    expect(Buffer.from(admin as Uint8Array).equals(Buffer.from(fresh as Uint8Array))).toBe(false);
  });
  it('ignores a damaged cache entry', async () => {
    const [file] = readdirSync(path.join(cache, 'seccomp'));
    for (const f of readdirSync(path.join(cache, 'seccomp'))) writeFileSync(path.join(cache, 'seccomp', f), 'abc');
    const fresh = await loadSeccompProgram({ kind: 'default' }, DOCKER_DEFAULT_CAPABILITIES);
    const again = await loadSeccompProgram({ kind: 'default' }, DOCKER_DEFAULT_CAPABILITIES, cache);
    expect(Buffer.from(again as Uint8Array)).toEqual(Buffer.from(fresh as Uint8Array));
    expect(file).toBeDefined();
  });
});

describe('seccomp cache entries', () => {
  it('name the kernel and the compiler code on their first line, and one that names another is compiled again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-seccomp-stale-'));
    try {
      const fresh = await loadSeccompProgram({ kind: 'default' }, DOCKER_DEFAULT_CAPABILITIES, dir);
      const [name] = readdirSync(path.join(dir, 'seccomp'));
      const file = path.join(dir, 'seccomp', name as string);
      const text = readFileSync(file);
      const nl = text.indexOf(10);
      expect(text.subarray(0, nl).toString()).toMatch(new RegExp(`^tsbuild-seccomp-v2 ${release().replace(/[.+]/g, '\\$&')} .*seccomp`));
      expect(text.subarray(nl + 1).equals(Buffer.from(fresh as Uint8Array))).toBe(true);
      // a program cached by another compiler (or kernel): same capability set, other first line
      writeFileSync(file, Buffer.concat([Buffer.from('tsbuild-seccomp-v2 other-kernel other-code\n'), Buffer.alloc(16)]));
      const again = await loadSeccompProgram({ kind: 'default' }, DOCKER_DEFAULT_CAPABILITIES, dir);
      expect(Buffer.from(again as Uint8Array)).toEqual(Buffer.from(fresh as Uint8Array));
      expect(readFileSync(file).equals(text)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
