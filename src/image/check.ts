// `system check`: verifies that the layout is sound and that every image in
// index.json resolves to a manifest, a config and layers whose bytes match
// their digests. Reports every problem found, never repairs.
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256Stream, type Digest } from './digest.js';
import { parseConfig } from './config.js';
import { isManifestMediaType, mediaTypes, type Manifest } from './oci.js';
import { familiarOf } from './display.js';
import { listSessions } from './session.js';
import type { ImageStore } from './store.js';

export interface CheckReport {
  images: number;
  blobsVerified: number;
  problems: string[];
  /** harmless leftovers of killed processes, for prune (not problems) */
  leftovers: string[];
}

async function listLeftovers(store: ImageStore): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(store.tmpRoot).catch(() => [] as string[])) out.push(path.join(store.tmpRoot, name));
  for (const s of await listSessions(store.writersDir)) if (!s.alive) out.push(s.file);
  return out;
}

export async function checkStore(store: ImageStore): Promise<CheckReport> {
  const problems: string[] = [];
  const verified = new Map<string, string | undefined>();

  /** undefined when the blob is whole, else what is wrong */
  const verify = async (digest: Digest): Promise<string | undefined> => {
    if (verified.has(digest)) return verified.get(digest);
    let why: string | undefined;
    try {
      const { digest: got } = await sha256Stream(createReadStream(store.blobPath(digest)));
      if (got !== digest) why = `blob ${digest} is corrupt (its content hashes to ${got})`;
    } catch (err) {
      why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `blob ${digest} is missing` : `blob ${digest} cannot be read: ${(err as Error).message}`;
    }
    verified.set(digest, why);
    return why;
  };

  const layoutFile = path.join(store.imageDir, 'oci-layout');
  try {
    const layout = JSON.parse(await readFile(layoutFile, 'utf8')) as { imageLayoutVersion?: unknown };
    if (layout.imageLayoutVersion !== '1.0.0') problems.push(`${layoutFile}: imageLayoutVersion is ${JSON.stringify(layout.imageLayoutVersion)}, want "1.0.0"`);
  } catch (err) {
    problems.push(`${layoutFile}: ${(err as Error).message}`);
  }

  let images: Awaited<ReturnType<ImageStore['images']>>;
  try {
    images = await store.images();
  } catch (err) {
    problems.push((err as Error).message);
    return { images: 0, blobsVerified: 0, problems, leftovers: [] };
  }

  for (const img of images) {
    const name = img.tags.length > 0 ? img.tags.map(familiarOf).join(', ') : `untagged image ${img.manifestDigest}`;
    const say = (msg: string) => problems.push(`${name}: ${msg}`);
    if (!isManifestMediaType(img.descriptor.mediaType)) say(`index entry has media type ${img.descriptor.mediaType}, want an image manifest`);
    const bad = await verify(img.manifestDigest);
    if (bad) {
      say(`manifest ${bad}`);
      continue;
    }
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(store.blobPath(img.manifestDigest), 'utf8')) as Manifest;
      if (!manifest.config || !Array.isArray(manifest.layers)) throw new Error('no config or layers');
    } catch (err) {
      say(`manifest ${img.manifestDigest} is not an image manifest: ${(err as Error).message}`);
      continue;
    }
    const cbad = await verify(manifest.config.digest);
    if (cbad) {
      say(`config ${cbad}`);
    } else {
      try {
        const config = parseConfig(await readFile(store.blobPath(manifest.config.digest)), `config ${manifest.config.digest}`);
        if (config.rootfs.diff_ids.length !== manifest.layers.length) {
          say(`config has ${config.rootfs.diff_ids.length} diff_ids but the manifest has ${manifest.layers.length} layers`);
        } else {
          manifest.layers.forEach((l, i) => {
            if ((l.mediaType === mediaTypes.layer || l.mediaType === mediaTypes.dockerLayer) && l.digest !== config.rootfs.diff_ids[i]) {
              say(`layer ${i} is uncompressed but its digest ${l.digest} differs from diff_id ${config.rootfs.diff_ids[i]}`);
            }
          });
        }
      } catch (err) {
        say((err as Error).message);
      }
    }
    for (const [i, l] of manifest.layers.entries()) {
      const lbad = await verify(l.digest);
      if (lbad) say(`layer ${i}: ${lbad}`);
    }
  }
  return { images: images.length, blobsVerified: verified.size, problems, leftovers: await listLeftovers(store) };
}
