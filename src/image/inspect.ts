// The `docker image inspect` shape of an image (pure: from a resolved image).
import type { ResolvedImage } from './store.js';
import { familiarOf } from './display.js';
import { refName, tryParseRef } from './refs.js';
import { mergeRepoDigests } from './registry/repo-digests.js';

export interface InspectImage {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: Record<string, unknown>;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  RootFS: { Type: string; Layers: string[] };
  History: unknown[];
  Metadata: { LastTagTime: string };
  Descriptor: { mediaType: string; digest: string; size: number };
}

/** `knownRepoDigests`: `registry/repo@sha256:…` the registry knows this image by (registry/repo-digests.ts). */
export function inspectImage(img: ResolvedImage, knownRepoDigests: readonly string[] = []): InspectImage {
  const c = img.config;
  const repos = [...new Set(img.tags.map((t) => tryParseRef(t)).filter((r) => r !== undefined).map((r) => refName(r)))];
  const out: InspectImage = {
    Id: img.id,
    RepoTags: img.tags.map(familiarOf),
    RepoDigests: mergeRepoDigests(knownRepoDigests, repos, img.manifestDigest).map(familiarOf),
    Parent: '',
    Comment: c.history?.at(-1)?.comment ?? '',
    Created: c.created ?? '',
    DockerVersion: '',
    Author: c.author ?? '',
    Config: { ...(c.config ?? {}) },
    Architecture: c.architecture,
    Os: c.os,
    Size: img.manifest.layers.reduce((n, l) => n + l.size, 0),
    RootFS: { Type: c.rootfs.type, Layers: [...c.rootfs.diff_ids] },
    History: c.history ?? [],
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
    Descriptor: { mediaType: img.manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: img.manifestBytes.length },
  };
  if (c.variant !== undefined) out.Variant = c.variant;
  return out;
}

export interface HistoryRow {
  /** the image ID on the newest row, '<missing>' below it, as Docker shows */
  id: string;
  created?: string;
  createdBy: string;
  size: number;
  comment: string;
  emptyLayer: boolean;
}

/** History newest first, each entry with the size of the layer it made. */
export function historyRows(img: ResolvedImage): HistoryRow[] {
  const layers = img.manifest.layers;
  let li = 0;
  const rows: HistoryRow[] = (img.config.history ?? []).map((h) => {
    const empty = h.empty_layer === true;
    const size = empty ? 0 : (layers[li++]?.size ?? 0);
    const r: HistoryRow = { id: '<missing>', createdBy: h.created_by ?? '', size, comment: h.comment ?? '', emptyLayer: empty };
    if (h.created !== undefined) r.created = h.created;
    return r;
  });
  rows.reverse();
  if (rows[0]) rows[0].id = img.id;
  return rows;
}
