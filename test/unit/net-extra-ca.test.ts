// The deferred NODE_EXTRA_CA_CERTS (src/net/): the environment a node child
// of tsbuild starts with, and the agent for the file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extraCaAgent } from '../../src/net/extra-ca-agent.js';
import { deferExtraCa, deferredCaFile } from '../../src/net/extra-ca.js';

describe('deferred NODE_EXTRA_CA_CERTS', () => {
  it('deferExtraCa moves the variable aside for a node child, and leaves an environment without it alone', () => {
    const env = { PATH: '/bin', NODE_EXTRA_CA_CERTS: '/etc/ca.pem' };
    expect(deferExtraCa(env)).toEqual({ PATH: '/bin', TSBUILD_EXTRA_CA_CERTS: '/etc/ca.pem' });
    expect(env.NODE_EXTRA_CA_CERTS).toBe('/etc/ca.pem');
    const plain = { PATH: '/bin' };
    expect(deferExtraCa(plain)).toBe(plain);
    expect(deferredCaFile({ TSBUILD_EXTRA_CA_CERTS: '/etc/ca.pem' })).toBe('/etc/ca.pem');
    expect(deferredCaFile({ TSBUILD_EXTRA_CA_CERTS: '' })).toBeUndefined();
  });

  it('an unreadable file gives node\'s warning and no agent (node\'s own roots stay)', () => {
    const lines: string[] = [];
    expect(extraCaAgent('/nonexistent/ca.pem', (l) => lines.push(l))).toBeUndefined();
    expect(lines.join('')).toMatch(/^Warning: Ignoring extra certs from `\/nonexistent\/ca.pem`, load failed: ENOENT/);
  });

  it('a file without a PEM certificate gives the warning too', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-extra-ca-'));
    try {
      const file = path.join(dir, 'garbage.pem');
      writeFileSync(file, 'not a certificate\n');
      const lines: string[] = [];
      expect(extraCaAgent(file, (l) => lines.push(l))).toBeUndefined();
      expect(lines.join('')).toMatch(/load failed: no PEM certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
