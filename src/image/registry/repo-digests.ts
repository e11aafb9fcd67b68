// Which registry manifest digests a local image is known by (Docker's
// RepoDigests). A pulled image whose layers the registry keeps compressed is
// stored with a manifest naming the uncompressed layers, so its local
// manifest digest differs from the registry's; this record, kept at
// STORE/registry/repo-digests.json and written on pull and push, maps the
// local manifest digest to `registry/repository@sha256:…`. `inspect` can
// show these instead of `name@<local manifest digest>`.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../atomic.js';
import type { ImageStore } from '../store.js';

type Record_ = Record<string, string[]>;

function file(store: ImageStore): string {
  return path.join(store.root, 'registry', 'repo-digests.json');
}

async function read(store: ImageStore): Promise<Record_> {
  try {
    return JSON.parse(await readFile(file(store), 'utf8')) as Record_;
  } catch {
    return {};
  }
}

/** Pure: adds `name@digest` for a local manifest; one entry per repository (the newest wins). */
export function addRepoDigest(rec: Record_, localManifest: string, name: string, registryDigest: string): Record_ {
  const list = (rec[localManifest] ?? []).filter((e) => !e.startsWith(`${name}@`));
  list.push(`${name}@${registryDigest}`);
  return { ...rec, [localManifest]: list.sort() };
}

export async function recordRepoDigest(store: ImageStore, localManifest: string, name: string, registryDigest: string): Promise<void> {
  await store.withLock('registry-repo-digests', async () => {
    const next = addRepoDigest(await read(store), localManifest, name, registryDigest);
    await mkdir(path.dirname(file(store)), { recursive: true });
    await writeFileAtomic(file(store), JSON.stringify(next) + '\n', { tempDir: store.tmpRoot });
  });
}

/** `registry/repository@sha256:…` entries known for a local manifest digest. */
export async function repoDigestsOf(store: ImageStore, localManifest: string): Promise<string[]> {
  return (await read(store))[localManifest] ?? [];
}

/** Pure: the local manifest known as `name@registryDigest`, if any. */
export function localManifestFor(rec: Record_, name: string, registryDigest: string): string | undefined {
  const want = `${name}@${registryDigest}`;
  for (const [local, list] of Object.entries(rec)) if (list.includes(want)) return local;
  return undefined;
}

/** The local manifest a pull or push recorded for `name@registryDigest` (Docker resolves these after a pull). */
export async function resolveRepoDigest(store: ImageStore, name: string, registryDigest: string): Promise<string | undefined> {
  return localManifestFor(await read(store), name, registryDigest);
}

/** Pure: Docker's RepoDigests: the registry digests known per repository, else `repo@<local manifest digest>` for each tagged repository. */
export function mergeRepoDigests(known: readonly string[], taggedRepos: readonly string[], localManifest: string): string[] {
  const out = [...known];
  for (const r of taggedRepos) if (!known.some((k) => k.startsWith(`${r}@`))) out.push(`${r}@${localManifest}`);
  return [...new Set(out)].sort();
}
