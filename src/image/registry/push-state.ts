// What earlier pushes learned, kept under STORE/registry/push-state.json so
// later pushes can skip work: the gzip digest each uncompressed layer
// (diffID) compresses to (deterministic, so it can be HEADed before
// compressing again), and the repositories a blob was pushed to (sources
// for cross-repository mounts). Only a hint: a lost update costs a
// recompression or a re-upload, never a wrong image, because every use is
// checked against the registry.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import type { ImageStore } from '../store.js';

export interface PushState {
  gzip: Record<string, { digest: string; size: number }>;
  /** blob digest → ["registry/repository", …] (most recent last) */
  sources: Record<string, string[]>;
}

function file(store: ImageStore): string {
  return path.join(store.root, 'registry', 'push-state.json');
}

export async function readPushState(store: ImageStore): Promise<PushState> {
  try {
    const j = JSON.parse(await readFile(file(store), 'utf8')) as Partial<PushState>;
    return { gzip: j.gzip ?? {}, sources: j.sources ?? {} };
  } catch {
    return { gzip: {}, sources: {} };
  }
}

/** Pure: adds what one push learned. */
export function recordPush(state: PushState, registryRepo: string, blobs: { diffId?: string; digest: string; size: number }[]): PushState {
  const next: PushState = { gzip: { ...state.gzip }, sources: { ...state.sources } };
  for (const b of blobs) {
    if (b.diffId && b.diffId !== b.digest) next.gzip[b.diffId] = { digest: b.digest, size: b.size };
    const list = (next.sources[b.digest] ?? []).filter((r) => r !== registryRepo);
    list.push(registryRepo);
    next.sources[b.digest] = list.slice(-5);
  }
  return next;
}

/** Repositories on the same registry (not the target) that a blob was pushed to. */
export function mountSources(state: PushState, digest: string, registry: string, repository: string): string[] {
  const prefix = `${registry}/`;
  return (state.sources[digest] ?? [])
    .filter((r) => r.startsWith(prefix) && r.slice(prefix.length) !== repository)
    .map((r) => r.slice(prefix.length))
    .reverse();
}

export async function savePushState(store: ImageStore, update: (s: PushState) => PushState): Promise<void> {
  await store.withLock('registry-push-state', async () => {
    const next = update(await readPushState(store));
    await mkdir(path.dirname(file(store)), { recursive: true });
    await writeFileAtomic(file(store), JSON.stringify(next) + '\n', { tempDir: store.tmpRoot });
  });
}
