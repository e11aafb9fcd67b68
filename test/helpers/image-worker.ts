// A worker process for the image store's multi-process tests:
//   image-worker.ts ROOT tags ID N      commit N images tagged w<ID>:<n> (+ a shared one)
//   image-worker.ts ROOT counter ID N   N read-increment-write rounds of ROOT/counter under the lock
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageStore } from '../../src/image/store.js';
import { commitImage } from '../../src/image/manifest.js';
import { mediaTypes } from '../../src/image/oci.js';
import { withFileLock } from '../../src/image/lock.js';

const [root, mode, id, n] = process.argv.slice(2) as [string, string, string, string];
const store = await ImageStore.open(root);
if (mode === 'tags') {
  for (let i = 0; i < Number(n); i++) {
    const shared = await store.writeBlob(Buffer.from('shared layer'), { mediaType: mediaTypes.layer });
    const own = await store.writeBlob(Buffer.from(`layer ${id} ${i}`), { mediaType: mediaTypes.layer });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [shared.digest, own.digest] } }));
    await commitImage(store, config, [shared, own], [`w${id}:${i}`, 'shared:last']);
  }
} else if (mode === 'counter') {
  const file = path.join(root, 'counter');
  for (let i = 0; i < Number(n); i++) {
    await withFileLock(store.locksDir, 'counter', async () => {
      const v = Number(await readFile(file, 'utf8').catch(() => '0'));
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      await writeFile(file, String(v + 1));
    });
  }
}
await store.close();
