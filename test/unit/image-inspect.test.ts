import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/image/digest.js';
import { historyRows, inspectImage } from '../../src/image/inspect.js';
import type { ResolvedImage } from '../../src/image/store.js';
import type { ImageConfig } from '../../src/image/config.js';
import { humanSize, repoAndTag } from '../../src/image/display.js';

const l1 = sha256('layer1');
const l2 = sha256('layer2');
const config: ImageConfig = {
  created: '2024-01-02T03:04:05Z',
  architecture: 'arm64',
  variant: 'v8',
  os: 'linux',
  config: { Env: ['PATH=/bin'], Cmd: ['sh'], WorkingDir: '/app' },
  rootfs: { type: 'layers', diff_ids: [l1, l2] },
  history: [
    { created: '2024-01-01T00:00:00Z', created_by: 'ADD rootfs /' },
    { created: '2024-01-01T00:00:01Z', created_by: 'ENV PATH=/bin', empty_layer: true },
    { created: '2024-01-02T03:04:05Z', created_by: 'RUN make', comment: 'built' },
  ],
};
const configBytes = Buffer.from(JSON.stringify(config));
const img: ResolvedImage = {
  id: sha256(configBytes),
  manifestDigest: sha256('manifest'),
  manifest: {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(configBytes), size: configBytes.length },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l1, size: 1000 },
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l2, size: 234 },
    ],
  },
  manifestBytes: Buffer.from('manifest'),
  config,
  configBytes,
  tags: ['docker.io/library/app:1', 'docker.io/library/app:latest', 'localhost:5000/x/app:1'],
};

describe('inspect', () => {
  it('has the shape of docker image inspect', () => {
    const r = inspectImage(img);
    expect(r).toMatchObject({
      Id: img.id,
      RepoTags: ['app:1', 'app:latest', 'localhost:5000/x/app:1'],
      RepoDigests: [`app@${img.manifestDigest}`, `localhost:5000/x/app@${img.manifestDigest}`],
      Created: '2024-01-02T03:04:05Z',
      Architecture: 'arm64',
      Variant: 'v8',
      Os: 'linux',
      Size: 1234,
      Config: { Env: ['PATH=/bin'], Cmd: ['sh'], WorkingDir: '/app' },
      RootFS: { Type: 'layers', Layers: [l1, l2] },
      Comment: 'built',
    });
    expect(r.History).toHaveLength(3);
  });

  it('history is newest first and gives each layer-making step its layer size', () => {
    expect(historyRows(img).map((r) => [r.id, r.createdBy, r.size, r.emptyLayer])).toEqual([
      [img.id, 'RUN make', 234, false],
      ['<missing>', 'ENV PATH=/bin', 0, true],
      ['<missing>', 'ADD rootfs /', 1000, false],
    ]);
  });

  it('shows sizes and names as Docker does', () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(2_140_160)).toBe('2.14MB');
    expect(humanSize(56_800_000)).toBe('56.8MB');
    expect(humanSize(1_500_000_000)).toBe('1.50GB');
    expect(repoAndTag('docker.io/library/busybox:latest')).toEqual(['busybox', 'latest']);
    expect(repoAndTag('quay.io/a/b:1')).toEqual(['quay.io/a/b', '1']);
  });
});
