// The vfs fallback's own layer copy (used when no store applier is given):
// later layers win, whiteouts delete, opaque markers hide lower contents.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyLayers } from '../../src/runtime/vfs.js';

const base = mkdtempSync(path.join(tmpdir(), 'tsbuild-vfs-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function layer(name: string, files: Record<string, string>): string {
  const dir = path.join(base, name);
  mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

describe('copyLayers', () => {
  it('applies layers bottom first with whiteouts and opaque dirs', async () => {
    const l1 = layer('l1', { 'a.txt': 'a1', 'gone.txt': 'x', 'dir/old.txt': 'old', 'keep/k.txt': 'k' });
    const l2 = layer('l2', { 'a.txt': 'a2', '.wh.gone.txt': '', 'dir/.wh..wh..opq': '', 'dir/new.txt': 'new' });
    const dest = path.join(base, 'out');
    await copyLayers([l1, l2], dest);
    expect(readFileSync(path.join(dest, 'a.txt'), 'utf8')).toBe('a2');
    expect(existsSync(path.join(dest, 'gone.txt'))).toBe(false);
    expect(readdirSync(path.join(dest, 'dir'))).toEqual(['new.txt']);
    expect(readFileSync(path.join(dest, 'keep/k.txt'), 'utf8')).toBe('k');
    expect(readdirSync(dest).filter((n) => n.startsWith('.wh.'))).toEqual([]);
  });
});
