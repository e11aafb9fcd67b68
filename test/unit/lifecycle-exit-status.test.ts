// The exit status a detached --rm container leaves behind for `wait` and
// `start -a` (exit-status.ts): written beside the container's dir, read back,
// swept once it is older than a minute.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_STATUS_KEEP_MS, keepExitStatus, keptExitStatus, sweepExitStatuses } from '../../src/runtime/lifecycle/exit-status.js';

const containers = mkdtempSync(path.join(tmpdir(), 'tsbuild-exit-status-'));
afterAll(() => rmSync(containers, { recursive: true, force: true }));

describe('exit status of a removed container', () => {
  it('is kept beside the container dir and read back; garbage or nothing reads as unknown', () => {
    const dir = path.join(containers, 'a'.repeat(64));
    expect(keptExitStatus(dir)).toBeUndefined();
    keepExitStatus(dir, 137);
    expect(keptExitStatus(dir)).toBe(137);
    expect(readdirSync(containers)).toEqual([`.exit-${'a'.repeat(64)}`]);
    writeFileSync(path.join(containers, `.exit-${'b'.repeat(64)}`), 'nonsense\n');
    expect(keptExitStatus(path.join(containers, 'b'.repeat(64)))).toBeUndefined();
  });

  it('is swept once older than a minute; container dirs and fresh files stay', () => {
    const old = path.join(containers, 'c'.repeat(64));
    const fresh = path.join(containers, 'd'.repeat(64));
    mkdirSync(path.join(containers, 'e'.repeat(64)));
    keepExitStatus(old, 1);
    keepExitStatus(fresh, 2);
    const past = (Date.now() - EXIT_STATUS_KEEP_MS - 5000) / 1000;
    utimesSync(path.join(containers, `.exit-${'c'.repeat(64)}`), past, past);
    sweepExitStatuses(containers, readdirSync(containers));
    expect(keptExitStatus(old)).toBeUndefined();
    expect(keptExitStatus(fresh)).toBe(2);
    expect(readdirSync(containers)).toContain('e'.repeat(64));
  });
});
