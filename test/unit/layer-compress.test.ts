// Layer compression: deterministic gzip for archives/registries; reading gzip, zstd and plain.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompress, gzipDeterministic } from '../../src/image/layer/compress.js';

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function* chunks(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(500_000, 'tsbuild layer ')]);

describe('deterministic gzip', () => {
  it('gives the same bytes whatever the chunking, with a fixed header, and gunzips to the input', async () => {
    const a = await collect(gzipDeterministic(chunks(data, 65536)));
    const b = await collect(gzipDeterministic(chunks(data, 1000)));
    expect(a.equals(b)).toBe(true);
    // magic, deflate, no flags, mtime 0, XFL 0, OS 255
    expect([...a.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    expect(gunzipSync(a).equals(data)).toBe(true);
    expect(a.length).toBeLessThan(data.length);
    // GNU gzip agrees (CRC and size trailer)
    expect(execFileSync('gzip', ['-dc'], { input: a, maxBuffer: 1 << 26 }).equals(data)).toBe(true);
  });

  it('handles empty input', async () => {
    const z = await collect(gzipDeterministic(chunks(Buffer.alloc(0), 1)));
    expect(gunzipSync(z).length).toBe(0);
  });
});

describe('decompress by magic bytes', () => {
  it('passes plain bytes through', async () => {
    const r = await decompress(chunks(data, 4096), 'test');
    expect(r.compression).toBe('none');
    expect((await collect(r.stream)).equals(data)).toBe(true);
  });

  it('reads gzip, even when the magic is split across chunks', async () => {
    const gz = await collect(gzipDeterministic(chunks(data, 65536)));
    async function* split(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 6; i++) yield gz.subarray(i, i + 1);
      yield* chunks(gz.subarray(6), 65536);
    }
    const r = await decompress(split(), 'test');
    expect(r.compression).toBe('gzip');
    expect((await collect(r.stream)).equals(data)).toBe(true);
  });

  const whyZstd = (() => {
    try {
      execFileSync('zstd', ['--version']);
      return undefined;
    } catch {
      console.warn("SKIP: needs 'zstd' on PATH");
      return "needs 'zstd'";
    }
  })();
  it.skipIf(!!whyZstd)('reads zstd through the zstd CLI', async () => {
    const zst = execFileSync('zstd', ['-c', '-q'], { input: data, maxBuffer: 1 << 26 });
    const r = await decompress(chunks(zst, 10_000), 'test');
    expect(r.compression).toBe('zstd');
    expect((await collect(r.stream)).equals(data)).toBe(true);
  });

  it('names the input when gzip data is corrupt', async () => {
    const gz = await collect(gzipDeterministic(chunks(data, 65536)));
    gz.writeUInt8(gz.readUInt8(gz.length - 100) ^ 0xff, gz.length - 100);
    gz.writeUInt8(gz.readUInt8(200) ^ 0xff, 200);
    const r = await decompress(chunks(gz, 4096), 'layer blob sha256:abc');
    await expect(collect(r.stream)).rejects.toMatchObject({ message: expect.stringContaining('layer blob sha256:abc') });
  });
});
