// Reading the image's /etc/passwd before the container exists: symlinks are
// resolved inside the root filesystem (never on the host), whiteouts hide
// lower layers, and upper layers win.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRootfsFile } from '../../src/runtime/rootfs-files.js';

const base = mkdtempSync(path.join(tmpdir(), 'tsbuild-rootfs-files-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function layer(name: string, files: Record<string, string | { link: string }>): string {
  const dir = path.join(base, name);
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    if (typeof content === 'string') writeFileSync(p, content);
    else symlinkSync(content.link, p);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe('readRootfsFile', () => {
  const lower = layer('lower', { 'etc/passwd': 'lower\n', 'etc/group': 'g-lower\n', 'real/passwd': 'via-link\n' });
  const upper = layer('upper', { 'etc/passwd': 'upper\n', 'etc/.wh.group': '' });

  it('takes the topmost layer that has the file', async () => {
    expect(await readRootfsFile([upper, lower], '/etc/passwd')).toBe('upper\n');
    expect(await readRootfsFile([lower], '/etc/passwd')).toBe('lower\n');
  });
  it('honours whiteouts of upper layers', async () => {
    expect(await readRootfsFile([lower], '/etc/group')).toBe('g-lower\n');
    expect(await readRootfsFile([upper, lower], '/etc/group')).toBeUndefined();
  });
  it('resolves absolute and relative symlinks inside the root, across layers', async () => {
    const links = layer('links', { 'etc/passwd': { link: '/real/passwd' }, 'etc/group': { link: '../real/passwd' } });
    expect(await readRootfsFile([links, lower], '/etc/passwd')).toBe('via-link\n');
    expect(await readRootfsFile([links, lower], '/etc/group')).toBe('via-link\n');
  });
  it('never follows a symlink to the host (rootfs-files-symlink-escape)', async () => {
    const hostSecret = path.join(base, 'host-secret');
    writeFileSync(hostSecret, 'host data\n');
    const evil = layer('evil', {
      'etc/passwd': { link: hostSecret },
      'etc/group': { link: `../../../../../../../../${hostSecret}` },
      'etc/dir': { link: path.dirname(hostSecret) },
    });
    expect(await readRootfsFile([evil], '/etc/passwd')).toBeUndefined();
    expect(await readRootfsFile([evil], '/etc/group')).toBeUndefined();
    expect(await readRootfsFile([evil], '/etc/dir/host-secret')).toBeUndefined();
  });
  it('gives up on symlink loops and non-files', async () => {
    const loop = layer('loop', { 'etc/passwd': { link: '/etc/passwd' }, 'etc/group/x': 'dir, not file' });
    expect(await readRootfsFile([loop], '/etc/passwd')).toBeUndefined();
    expect(await readRootfsFile([loop], '/etc/group')).toBeUndefined();
    expect(await readRootfsFile([loop], '/nope')).toBeUndefined();
  });
});
