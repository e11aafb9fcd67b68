import { describe, expect, it } from 'vitest';
import { execTool, formatArgv, ToolError } from '../../src/runtime/sys/exec.js';
import { ipArgv } from '../../src/runtime/sys/ip.js';
import { mountArgv, umountArgv } from '../../src/runtime/sys/mount.js';
import { nsenterArgv } from '../../src/runtime/sys/nsenter.js';

describe('argv builders', () => {
  const mounts: [Parameters<typeof mountArgv>[0], string[]][] = [
    [{ type: 'tmpfs', source: 'tmpfs', target: '/t', options: ['size=1m', 'mode=755'] }, ['-t', 'tmpfs', '-o', 'size=1m,mode=755', '--', 'tmpfs', '/t']],
    [{ bind: true, source: '/a', target: '/b' }, ['--bind', '--', '/a', '/b']],
    [{ bind: true, recursive: true, source: '/a', target: '/b', options: ['ro'] }, ['--rbind', '-o', 'ro', '--', '/a', '/b']],
    [{ type: 'overlay', source: 'overlay', target: '/-m', options: ['lowerdir=/x'] }, ['-t', 'overlay', '-o', 'lowerdir=/x', '--', 'overlay', '/-m']],
  ];
  for (const [req, want] of mounts) it(`mount ${want.join(' ')}`, () => expect(mountArgv(req)).toEqual(want));
  it('umount', () => {
    expect(umountArgv({ target: '/x' })).toEqual(['--', '/x']);
    expect(umountArgv({ target: '/x', lazy: true, recursive: true })).toEqual(['-R', '-l', '--', '/x']);
  });
  it('nsenter', () => {
    expect(nsenterArgv({ target: 42, namespaces: ['mount', 'net'], command: ['ip', 'link'] })).toEqual(['--target', '42', '--mount', '--net', '--', 'ip', 'link']);
    expect(nsenterArgv({ target: 1, namespaces: ['pid'], rootAndCwd: true, command: ['sh'] })).toEqual(['--target', '1', '--pid', '--root', '--wd', '--', 'sh']);
    expect(() => nsenterArgv({ target: 0, namespaces: [], command: ['x'] })).toThrow(/bad target/);
    expect(() => nsenterArgv({ target: 3, namespaces: [], command: [] })).toThrow(/no command/);
  });
  it('ip', () => {
    expect(ipArgv({ args: ['link', 'show'] })).toEqual(['link', 'show']);
    expect(ipArgv({ json: true, netns: 'n1', args: ['addr'] })).toEqual(['-j', '-n', 'n1', 'addr']);
  });
});

describe('execTool', () => {
  it('returns output and never uses a shell', async () => {
    const r = await execTool('echo', ['$HOME', ';', 'x']);
    expect(r.stdout).toBe('$HOME ; x\n');
  });
  it('throws a ToolError with argv, code and stderr tail', async () => {
    const err = await execTool('sh', ['-c', 'echo one >&2; echo two >&2; exit 3']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    const t = err as ToolError;
    expect(t.exitCode).toBe(3);
    expect(t.argv).toEqual(['-c', 'echo one >&2; echo two >&2; exit 3']);
    expect(t.stderrTail).toBe('one\ntwo');
    expect(t.message).toMatch(/^sh -c 'echo one.*: exit 3: two$/);
    expect(t.category).toBe('runtime');
  });
  it('reports a signal and a missing tool', async () => {
    const sig = (await execTool('sh', ['-c', 'kill -TERM $$']).catch((e: unknown) => e)) as ToolError;
    expect(sig.signal).toBe('SIGTERM');
    const missingTool = (await execTool('/nonexistent/tool', ['a']).catch((e: unknown) => e)) as ToolError;
    expect(missingTool).toBeInstanceOf(ToolError);
    expect(missingTool.message).toMatch(/\/nonexistent\/tool a: could not be started/);
  });
  it('formats argv for messages with quotes', () => {
    expect(formatArgv('mount', ['-o', 'a b', "it's"])).toBe(`mount -o 'a b' 'it'\\''s'`);
  });
});
