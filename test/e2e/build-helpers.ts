// Shared by the build e2e tests: a fresh store with the busybox base image,
// in-process runs of the CLI with captured output, and reading files of a
// built image straight from its unpacked layers.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { layerDirs } from '../../src/builder/rootfs.js';
import { main } from '../../src/cli/main.js';
import { ImageStore } from '../../src/image/store.js';
import type { ImageConfig } from '../../src/image/config.js';
import { readRootfsFile } from '../../src/runtime/rootfs-files.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixtures = path.join(repo, 'fixtures', 'build');

export function ensureNative(): void {
  if (!existsSync(path.join(repo, 'native', 'build', 'boxinit'))) execFileSync('node', [path.join(repo, 'scripts', 'build-native.mjs')], { stdio: 'inherit' });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function cli(argv: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const out = sink();
  const err = sink();
  const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', ...(options.env ?? {}) };
  delete env.SOURCE_DATE_EPOCH;
  if (options.env?.SOURCE_DATE_EPOCH !== undefined) env.SOURCE_DATE_EPOCH = options.env.SOURCE_DATE_EPOCH;
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, cwd: options.cwd ?? repo, env });
  return { code, stdout: out.text(), stderr: err.text() };
}

export interface TestStore {
  root: string;
  tmp: string;
  /** copies a fixture folder into a fresh temp folder; returns its path */
  context(name: string): string;
  build(args: string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  file(ref: string, p: string): Promise<string | undefined>;
  config(ref: string): Promise<ImageConfig>;
  cleanup(): void;
}

let busybox: BusyboxRootfs | undefined;
export function busyboxTar(): string {
  busybox ??= makeBusyboxRootfs({ tar: true });
  return busybox.tar as string;
}
export function cleanupBusybox(): void {
  busybox?.cleanup();
  busybox = undefined;
}

export async function makeStore(options: { busybox?: boolean } = {}): Promise<TestStore> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-e2e-build-'));
  const root = path.join(tmp, 'store');
  if (options.busybox !== false) {
    const r = await cli(['--root', root, 'import', busyboxTar(), 'busybox:latest']);
    if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
  }
  let n = 0;
  const s: TestStore = {
    root,
    tmp,
    context(name) {
      const dir = path.join(tmp, `ctx-${n++}-${name}`);
      cpSync(path.join(fixtures, name), dir, { recursive: true });
      return dir;
    },
    build: (args, o) => cli(['--root', root, 'build', '--progress', 'plain', ...args], o),
    async file(ref, p) {
      const store = await ImageStore.open(root);
      try {
        const img = await store.resolve(ref);
        const layers = img.manifest.layers.map((l, i) => ({ diffId: img.config.rootfs.diff_ids[i]!, digest: l.digest, size: l.size, mediaType: l.mediaType }));
        return await readRootfsFile(await layerDirs(store, layers), p);
      } finally {
        await store.close();
      }
    },
    async config(ref) {
      const store = await ImageStore.open(root);
      try {
        return (await store.resolve(ref)).config;
      } finally {
        await store.close();
      }
    },
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
  return s;
}

/** the step lines of plain progress that say CACHED, by step label */
export function cachedSteps(stderr: string): string[] {
  const labels = new Map<string, string>();
  const out: string[] = [];
  for (const line of stderr.split('\n')) {
    const m = /^#(\d+) (\[[^\]]+\] .*)$/.exec(line);
    if (m) labels.set(m[1] as string, m[2] as string);
    const c = /^#(\d+) CACHED$/.exec(line);
    if (c) out.push(labels.get(c[1] as string) as string);
  }
  return out;
}
