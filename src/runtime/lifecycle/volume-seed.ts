// A volume made for a run starts with what the image has at the volume's
// path (Docker copies it the same way): the image's layers are looked at
// through a read-only view (root-view.ts), the path is resolved inside it
// without following a link out (scoped-path.ts), and a directory found there
// is copied with owners, modes, times and links kept (`cp -a`). Only runs
// that make a volume pay for this.
import { lstatSync } from 'node:fs';
import type { RootfsSource } from '../container.js';
import { execTool } from '../sys/exec.js';
import { withRootView } from './root-view.js';
import { resolveInRoot } from './scoped-path.js';
import type { VolumePlan } from './volumes.js';

export async function seedVolumes(plan: VolumePlan, source: RootfsSource): Promise<void> {
  if (plan.fresh.length === 0) return;
  const lowers = source.kind === 'dir' ? [source.dir] : source.layersTopFirst;
  // (the vfs driver's image is seeded from once it is materialized: run.ts)
  if (lowers.length === 0) return;
  await withRootView({ lowers }, async (root) => {
    for (const v of plan.fresh) {
      const from = resolveInRoot(root, v.target);
      if (from === root || !lstatSync(from, { throwIfNoEntry: false })?.isDirectory()) continue;
      await execTool('cp', ['-a', '--reflink=auto', '--', `${from}/.`, `${v.data}/`]);
    }
  });
}
