// The --storage-driver vfs fallback, for hosts without overlayfs: the
// container's root is a plain directory made by copying the image's unpacked
// layers bottom to top and applying each layer's whiteouts (overlay-style
// 0:0 character devices and AUFS-style .wh. names) as it is copied.
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { execTool } from './sys/exec.js';

const WH_PREFIX = '.wh.';
const WH_OPAQUE = '.wh..wh..opq';

interface Whiteouts {
  /** paths (relative) to delete below */
  deleted: string[];
  /** dirs (relative) whose lower contents are hidden */
  opaque: string[];
  /** whiteout markers themselves, to remove from the copy */
  markers: string[];
}

async function findWhiteouts(layer: string): Promise<Whiteouts> {
  const w: Whiteouts = { deleted: [], opaque: [], markers: [] };
  const walk = async (rel: string): Promise<void> => {
    for (const ent of await readdir(path.join(layer, rel), { withFileTypes: true })) {
      const r = path.join(rel, ent.name);
      if (ent.name === WH_OPAQUE) {
        w.opaque.push(rel);
        w.markers.push(r);
      } else if (ent.name.startsWith(WH_PREFIX)) {
        w.deleted.push(path.join(rel, ent.name.slice(WH_PREFIX.length)));
        w.markers.push(r);
      } else if (ent.isCharacterDevice()) {
        const st = await lstat(path.join(layer, r));
        if (st.rdev === 0) {
          w.deleted.push(r);
          w.markers.push(r);
        }
      } else if (ent.isDirectory()) await walk(r);
    }
  };
  await walk('');
  return w;
}

/** Copies layers (bottom first) into dest, a new directory. */
export async function copyLayers(layersBottomFirst: readonly string[], dest: string): Promise<void> {
  await mkdir(dest, { mode: 0o755 });
  for (const layer of layersBottomFirst) {
    const w = await findWhiteouts(layer);
    for (const rel of [...w.deleted]) await rm(path.join(dest, rel), { recursive: true, force: true });
    for (const rel of w.opaque) {
      const d = path.join(dest, rel);
      const entries = await readdir(d).catch(() => [] as string[]);
      for (const e of entries) await rm(path.join(d, e), { recursive: true, force: true });
    }
    // cp -a keeps owners, modes, times, xattrs, hard links, devices
    await execTool('cp', ['-a', '--reflink=auto', '--', `${layer}/.`, `${dest}/`]);
    for (const rel of w.markers) await rm(path.join(dest, rel), { force: true });
  }
}
