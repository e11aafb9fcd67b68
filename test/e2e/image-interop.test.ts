// Archives from `tsbuild save` are read by real tools (skopeo in both
// transports, podman load + run), and `tsbuild load` reads podman's archives
// in both formats, keeping the names. Podman runs with a private root,
// runroot, tmpdir and containers.conf under a temp folder, removed afterwards.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type BuiltCli } from '../helpers/image-cli.js';
import { makeBusyboxRootfs, type BusyboxRootfs } from '../helpers/busybox-rootfs.js';
import { missing } from '../helpers/requires.js';
import { sha256 } from '../../src/image/digest.js';

const exec = promisify(execFile);
const why = missing('root', 'busybox', 'skopeo', 'podman');

describe.skipIf(!!why)('interop with skopeo and podman', () => {
  let cli: BuiltCli;
  let rootfs: BusyboxRootfs;
  let base: string;
  let root: string;
  let archive: string;
  let env: NodeJS.ProcessEnv;
  let imageId: string;
  let manifestDigest: string;
  let diffId: string;

  const tsbuild = async (...args: string[]) => (await exec(process.execPath, [cli.bin, '--root', root, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 })).stdout;
  const podmanArgs = () => ['--root', path.join(base, 'proot'), '--runroot', path.join(base, 'prun'), '--tmpdir', path.join(base, 'ptmp'), '--storage-driver', 'vfs'];
  const podman = async (...args: string[]) => (await exec('podman', [...podmanArgs(), ...args], { env, encoding: 'utf8', maxBuffer: 1 << 26 })).stdout;
  const skopeo = async (...args: string[]) => (await exec('skopeo', args, { env, encoding: 'utf8', maxBuffer: 1 << 26 })).stdout;

  beforeAll(async () => {
    cli = await buildCli();
    rootfs = makeBusyboxRootfs({ tar: true });
    base = mkdtempSync(path.join(tmpdir(), 'tsbuild-interop-'));
    root = path.join(base, 'store');
    const conf = path.join(base, 'containers.conf');
    writeFileSync(
      conf,
      ['[containers]', 'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]', '[engine]', 'cgroup_manager = "cgroupfs"', 'events_logger = "file"', 'runtime = "runc"', ''].join('\n'),
    );
    env = { ...process.env, CONTAINERS_CONF: conf, BUILDAH_RUNTIME: 'runc' };
    imageId = (await tsbuild('import', '--change', 'CMD ["/bin/sh"]', '--change', 'ENV GREETING="hello from tsbuild"', rootfs.tar as string, 'acc-busybox:1')).trim();
    const insp = JSON.parse(await tsbuild('inspect', 'acc-busybox:1')) as { Descriptor: { digest: string }; RootFS: { Layers: string[] } }[];
    manifestDigest = insp[0]!.Descriptor.digest;
    diffId = insp[0]!.RootFS.Layers[0]!;
    archive = path.join(base, 'acc-busybox.tar');
    await tsbuild('save', '-o', archive, 'acc-busybox:1');
  }, 180_000);

  afterAll(async () => {
    if (base) {
      await exec('podman', [...podmanArgs(), 'rm', '-af', '-t', '0'], { env }).catch(() => undefined);
      await exec('podman', [...podmanArgs(), 'rmi', '-af'], { env }).catch(() => undefined);
      const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(base)).reverse();
      for (const m of mounts) await exec('umount', ['-l', m]).catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    }
    cli?.cleanup();
    rootfs?.cleanup();
  });

  it('skopeo reads the archive as an OCI archive', async () => {
    const r = JSON.parse(await skopeo('inspect', `oci-archive:${archive}`)) as { Digest: string; Architecture: string; Os: string; Layers: string[]; Env: string[] };
    expect(r.Digest).toBe(manifestDigest);
    expect(r.Architecture).toBe('amd64');
    expect(r.Os).toBe('linux');
    expect(r.Layers).toEqual([diffId]);
    expect(r.Env).toEqual(['GREETING=hello from tsbuild']);
    const rawConfig = await skopeo('inspect', '--config', '--raw', `oci-archive:${archive}`);
    expect(sha256(rawConfig)).toBe(imageId);
  });

  it('skopeo reads the same archive as a Docker archive, with its tag', async () => {
    const r = JSON.parse(await skopeo('inspect', `docker-archive:${archive}`)) as { Layers: string[]; Architecture: string };
    expect(r.Layers).toEqual([diffId]);
    expect(r.Architecture).toBe('amd64');
    const rawConfig = await skopeo('inspect', '--config', '--raw', `docker-archive:${archive}:acc-busybox:1`);
    expect(sha256(rawConfig)).toBe(imageId);
  });

  it('podman loads it under its name and runs it', async () => {
    const out = await podman('load', '-i', archive);
    expect(out).toMatch(/Loaded image: docker\.io\/library\/acc-busybox:1/);
    const images = JSON.parse(await podman('images', '--format', 'json')) as { Id: string; Names: string[] }[];
    const img = images.find((i) => i.Names?.includes('docker.io/library/acc-busybox:1'));
    expect(img && `sha256:${img.Id}`).toBe(imageId);
    const run = await podman('run', '--rm', '--network', 'none', 'acc-busybox:1', 'sh', '-c', 'echo "$GREETING"; id -u; cat /etc/passwd | head -1');
    expect(run).toBe('hello from tsbuild\n0\nroot:x:0:0:root:/root:/bin/sh\n');
  }, 120_000);

  it('tsbuild loads podman save --format docker-archive and oci-archive, keeping the names', async () => {
    await podman('tag', 'acc-busybox:1', 'localhost/podimg:3');
    const dockerArch = path.join(base, 'podman-docker.tar');
    const ociArch = path.join(base, 'podman-oci.tar');
    await podman('save', '--format', 'docker-archive', '-o', dockerArch, 'acc-busybox:1');
    await podman('save', '--format', 'oci-archive', '-o', ociArch, 'localhost/podimg:3');
    root = path.join(base, 'store2');
    expect(await tsbuild('load', '-i', dockerArch)).toBe('Loaded image: acc-busybox:1\n');
    expect(await tsbuild('load', '-i', ociArch)).toBe('Loaded image: localhost/podimg:3\n');
    for (const ref of ['acc-busybox:1', 'localhost/podimg:3']) {
      const insp = JSON.parse(await tsbuild('inspect', ref)) as { Id: string; RootFS: { Layers: string[] } }[];
      expect(insp[0]?.Id, ref).toBe(imageId);
      expect(insp[0]?.RootFS.Layers).toEqual([diffId]);
    }
    const listed = (await tsbuild('images', '--format', 'json')).trim().split('\n').map((l) => JSON.parse(l) as { Repository: string; Tag: string; Id: string });
    expect(listed.map((i) => [`${i.Repository}:${i.Tag}`, i.Id])).toEqual([
      ['acc-busybox:1', imageId],
      ['localhost/podimg:3', imageId],
    ]);
    expect(await tsbuild('system', 'check')).toMatch(/^ok: /);
  }, 120_000);
});
