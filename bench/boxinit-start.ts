// How much boxinit adds to a container start, measured without the rest of
// tsbuild: `unshare -fpmuin --mount-proc chroot ROOTFS /bin/true` (the floor)
// beside boxinit running /bin/true with the full setup (overlay or dir root,
// /proc, /dev, /sys, masks, pivot_root, caps, seccomp), spawned from Node.
// Run as root: npx tsx bench/boxinit-start.ts [RUNS]
import { spawnSync } from 'node:child_process';
import { compileSeccomp, DOCKER_DEFAULT_PROFILE } from '../src/runtime/seccomp/index.js';
import { DOCKER_DEFAULT_CAPABILITIES } from '../src/runtime/capabilities.js';
import { baseConfig, overlayRoot, runBoxinit } from '../test/helpers/boxinit-run.js';
import { makeBusyboxRootfs } from '../test/helpers/busybox-rootfs.js';

const runs = Number(process.argv[2] ?? 20);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const busybox = makeBusyboxRootfs();
const times: Record<string, number[]> = { floor: [], 'boxinit dir': [], 'boxinit overlay': [], 'seccomp compile': [] };
try {
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const r = spawnSync('unshare', ['-fpmuin', '--mount-proc', 'chroot', busybox.dir, '/bin/true']);
    if (r.status !== 0) throw new Error(`floor failed: ${r.stderr}`);
    times.floor!.push(performance.now() - t);

    t = performance.now();
    const d = await runBoxinit(baseConfig({ kind: 'dir', target: busybox.dir, path: busybox.dir }, ['/bin/true']));
    if (d.status !== 0) throw new Error(`boxinit dir failed: ${d.reportText}`);
    times['boxinit dir']!.push(performance.now() - t);

    const root = overlayRoot(busybox.dir);
    try {
      t = performance.now();
      const o = await runBoxinit(baseConfig(root.rootfs, ['/bin/true']));
      if (o.status !== 0) throw new Error(`boxinit overlay failed: ${o.reportText}`);
      times['boxinit overlay']!.push(performance.now() - t);
    } finally {
      root.cleanup();
    }

    t = performance.now();
    compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities: DOCKER_DEFAULT_CAPABILITIES });
    times['seccomp compile']!.push(performance.now() - t);
  }
} finally {
  busybox.cleanup();
}
const floor = median(times.floor!);
for (const [name, xs] of Object.entries(times)) {
  console.log(`${name.padEnd(16)} median ${median(xs).toFixed(1).padStart(7)} ms   ×${(median(xs) / floor).toFixed(2)} of the floor   (${runs} runs)`);
}
