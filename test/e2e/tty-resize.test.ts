// -t on a real terminal: the container's pty starts with the caller's window
// size and follows it when the terminal is resized, for `run -it` and for
// `exec -it` (boxinit applies the sizes tsbuild sends down the config pipe).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onTerminal } from '../helpers/pty-driver.js';
import { missing } from '../helpers/requires.js';
import { containerIds, makeHarness, repo, until, type Harness } from './run-harness.js';
import { tsb } from './lifecycle-harness.js';

const why = missing('root', 'overlay', 'unshare', 'busybox');

describe.skipIf(!!why)('window size through -t', () => {
  let h: Harness;
  beforeAll(() => {
    h = makeHarness();
  });
  afterAll(() => h?.cleanup());

  const argv = (args: string[]) => [process.execPath, '--import', 'tsx', path.join(repo, 'src/cli/main.ts'), '--root', h.root, ...args];
  // prints the size, waits for a line, prints it again
  const script = 'stty size; read x; stty size';

  it('run -it: the first size is the terminal’s, a resize reaches the container', () => {
    const r = onTerminal(argv(['run', '--rm', '-it', '--network', 'none', '--rootfs', h.rootfs.dir, 'sh', '-c', script]), [{ after: '30 90', resize: [40, 120], pauseMs: 500, send: '\n' }], { cwd: repo, size: [30, 90], mark: true });
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toMatch(/30 90\r*\n<step>[\s\S]*40 120\r*\n/);
  });

  it('exec -it: the same for a process joined to a running container', async () => {
    const d = await tsb(h, ['run', '-d', '--network', 'none', '--name', 'tty-exec', '--rootfs', h.rootfs.dir, 'sleep', '1000']);
    expect(d.code, d.stderr).toBe(0);
    try {
      const r = onTerminal(argv(['exec', '-it', 'tty-exec', 'sh', '-c', script]), [{ after: '25 70', resize: [50, 160], pauseMs: 500, send: '\n' }], { cwd: repo, size: [25, 70], mark: true });
      expect(r.code, r.screen).toBe(0);
      expect(r.screen).toMatch(/25 70\r*\n<step>[\s\S]*50 160\r*\n/);
    } finally {
      expect((await tsb(h, ['rm', '-f', 'tty-exec'])).code).toBe(0);
    }
    await until('no container left', () => (containerIds(h).length === 0 ? true : undefined));
  });
});
