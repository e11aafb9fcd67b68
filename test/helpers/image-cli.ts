// Bundles the CLI (as scripts/build.mjs does) into a temp folder, so e2e tests
// can spawn `node tsbuild.js` many times without tsx's start-up cost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface BuiltCli {
  bin: string;
  cleanup(): void;
}

export async function buildCli(): Promise<BuiltCli> {
  const out = mkdtempSync(path.join(tmpdir(), 'tsbuild-cli-'));
  await build({
    entryPoints: { tsbuild: path.join(repo, 'src/cli/main.ts') },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['ink', 'react', 'react/jsx-runtime'],
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: "import { createRequire as __tsbuildCreateRequire } from 'node:module'; const require = __tsbuildCreateRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return { bin: path.join(out, 'tsbuild.js'), cleanup: () => rmSync(out, { recursive: true, force: true }) };
}
