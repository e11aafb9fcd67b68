import { describe, expect, it } from 'vitest';
import { applyChanges, splitWords } from '../../src/image/change.js';
import { importConfig } from '../../src/image/import.js';
import { ociArchitecture, reproducibleCreated } from '../../src/image/config.js';

describe('import --change', () => {
  it('applies the Dockerfile instructions import accepts', () => {
    const cfg = applyChanges({}, [
      'CMD ["/bin/sh"]',
      'ENTRYPOINT /docker-entry.sh --x',
      'ENV A=1 B="two words"',
      'ENV C long legacy value',
      'ENV A=3',
      'WORKDIR /srv',
      'WORKDIR app',
      'USER 1000:1000',
      'EXPOSE 80 53/udp 8000-8001',
      'LABEL org.x="a b" y=z',
      'VOLUME ["/data"]',
      'STOPSIGNAL SIGTERM',
    ]);
    expect(cfg).toEqual({
      Cmd: ['/bin/sh'],
      Entrypoint: ['/bin/sh', '-c', '/docker-entry.sh --x'],
      Env: ['A=3', 'B=two words', 'C=long legacy value'],
      WorkingDir: '/srv/app',
      User: '1000:1000',
      ExposedPorts: { '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} },
      Labels: { 'org.x': 'a b', y: 'z' },
      Volumes: { '/data': {} },
      StopSignal: 'SIGTERM',
    });
  });

  it('names the change in errors', () => {
    expect(() => applyChanges({}, ['RUN echo hi'])).toThrow(/--change 'RUN echo hi': RUN is not supported/);
    expect(() => applyChanges({}, ['EXPOSE http'])).toThrow(/bad port 'http'/);
    expect(() => applyChanges({}, ['ENV A="open'])).toThrow(/unterminated/);
    expect(() => applyChanges({}, ['LABEL =x'])).toThrow(/key=value/);
  });

  it('splits words with quotes and escapes', () => {
    expect(splitWords(`a "b c" 'd e' f\\ g "h\\"i"`)).toEqual(['a', 'b c', 'd e', 'f g', 'h"i']);
  });
});

describe('import config', () => {
  const diff = `sha256:${'b'.repeat(64)}` as const;
  it('has no wall-clock time and OCI architecture names', () => {
    const a = importConfig(diff, [], {});
    expect(a.created).toBe('1970-01-01T00:00:00Z');
    expect(a.architecture).toBe(ociArchitecture());
    expect(a.architecture).not.toBe('x64');
    expect(a.rootfs.diff_ids).toEqual([diff]);
    expect(JSON.stringify(importConfig(diff, ['CMD ["x"]'], {}))).toBe(JSON.stringify(importConfig(diff, ['CMD ["x"]'], {})));
    expect(importConfig(diff, [], {}, 'from a tarball').history?.[0]?.comment).toBe('from a tarball');
  });

  it('takes SOURCE_DATE_EPOCH', () => {
    expect(reproducibleCreated({ SOURCE_DATE_EPOCH: '1700000000' })).toBe('2023-11-14T22:13:20Z');
    expect(importConfig(diff, [], { SOURCE_DATE_EPOCH: '86400' }).created).toBe('1970-01-02T00:00:00Z');
    expect(reproducibleCreated({ SOURCE_DATE_EPOCH: 'garbage' })).toBe('1970-01-01T00:00:00Z');
  });

  it('maps Node architectures to OCI ones', () => {
    expect(ociArchitecture('x64')).toBe('amd64');
    expect(ociArchitecture('arm64')).toBe('arm64');
    expect(ociArchitecture('ia32')).toBe('386');
  });
});
