import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
