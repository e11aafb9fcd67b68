import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatEntry, logWriter, parseLogText, readLogFile, splitLines, tail } from '../../src/runtime/lifecycle/log-file.js';
import type { ContainerView } from '../../src/runtime/lifecycle/lookup.js';
import { commandText, humanDuration, inspectContainer, portsText, psRow, psTable, statusText } from '../../src/runtime/lifecycle/present.js';
import { monitorArgv } from '../../src/runtime/lifecycle/detach.js';
import { signalName } from '../../src/runtime/lifecycle/signal.js';

const id = 'ab'.repeat(32);
function view(over: Partial<ContainerView> & { status?: 'running' | 'exited' | 'created'; exitStatus?: number } = {}): ContainerView {
  return {
    id,
    dir: '/x',
    running: over.status === 'running',
    state: { version: 1, id, status: over.status ?? 'exited', createdAt: '2026-01-01T00:00:00.000Z', owner: { pid: 1, startTime: '1' }, rm: false, image: 'busybox', paths: { dir: '/x', merged: '/x/merged' }, ...(over.exitStatus !== undefined ? { exitStatus: over.exitStatus } : {}) },
    record: { version: 1, detached: true, argv: ['sh', '-c', 'echo hello world and more'], hostname: 'h', stopSignal: 'SIGTERM', startedAt: '2026-01-01T00:00:01.000Z', finishedAt: '2026-01-01T00:00:05.000Z', network: { mode: 'bridge', ip: '172.29.0.2', ports: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }] } },
    ...over,
  } as ContainerView;
}
const t = (s: number) => Date.parse('2026-01-01T00:00:00.000Z') + s * 1000;

describe('ps/inspect presentation (Docker wording)', () => {
  it('humanDuration follows Docker units', () => {
    expect(humanDuration(300)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(3000)).toBe('3 seconds');
    expect(humanDuration(61_000)).toBe('About a minute');
    expect(humanDuration(5 * 60_000)).toBe('5 minutes');
    expect(humanDuration(60 * 60_000)).toBe('About an hour');
    expect(humanDuration(5 * 3600_000)).toBe('5 hours');
    expect(humanDuration(3 * 86400_000)).toBe('3 days');
  });
  it('STATUS: Up N seconds / Exited (N) N seconds ago / (Paused)', () => {
    expect(statusText(view({ status: 'running' }), t(4))).toBe('Up 3 seconds');
    expect(statusText(view({ status: 'exited', exitStatus: 2 }), t(7))).toBe('Exited (2) 2 seconds ago');
    const paused = view({ status: 'running' });
    (paused.record as { paused?: boolean }).paused = true;
    expect(statusText(paused, t(4))).toBe('Up 3 seconds (Paused)');
    // no status recorded: killed by the reclaimer
    expect(statusText(view({ status: 'exited' }), t(7))).toMatch(/^Exited \(137\)/);
  });
  it('the table has Docker columns with NAMES last and the command truncated', () => {
    const rows = [psRow(view({ status: 'running' }), t(4))];
    const text = psTable(rows).split('\n');
    expect(text[0]).toMatch(/^CONTAINER ID {3}IMAGE {3,}COMMAND {3,}CREATED {3,}STATUS {3,}PORTS {3,}NAMES$/);
    expect(text[1]).toContain('abababababab   busybox');
    expect(text[1]).toContain('"sh -c echo hello wo…"');
    expect(text[1]).toContain('127.0.0.1:8080->80/tcp');
    expect(text[1]?.endsWith('abababababab')).toBe(true);
    expect(commandText(['true'], false)).toBe('"true"');
    expect(portsText([])).toBe('');
  });
  it('inspect has Docker State and NetworkSettings', () => {
    const i = inspectContainer(view({ status: 'exited', exitStatus: 3 })) as any;
    expect(i.State).toMatchObject({ Status: 'exited', Running: false, Paused: false, ExitCode: 3, OOMKilled: false, Pid: 0 });
    expect(i.NetworkSettings.Ports['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '8080' }]);
    expect(i.Path).toBe('sh');
  });
});

describe('JSON-lines logs', () => {
  it('splits into complete lines and keeps the rest', () => {
    expect(splitLines('', 'a\nb')).toEqual({ lines: ['a\n'], rest: 'b' });
    expect(splitLines('b', 'c\n\n')).toEqual({ lines: ['bc\n', '\n'], rest: '' });
  });
  it('writes one JSON object per line with stream and time; a partial line is kept until the end', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lc-log-'));
    try {
      const file = path.join(dir, 'ctr.log');
      const out = logWriter(file, 'stdout');
      const err = logWriter(file, 'stderr');
      out.write('one\ntw');
      err.write('bad\n');
      out.write('o\n');
      out.write('tail');
      await new Promise((r) => out.end(r));
      await new Promise((r) => err.end(r));
      const { entries } = readLogFile(file);
      expect(entries.map((e) => [e.stream, e.log])).toEqual([['stdout', 'one\n'], ['stderr', 'bad\n'], ['stdout', 'two\n'], ['stdout', 'tail']]);
      expect(entries[0]?.time).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(formatEntry(entries[0]!, true)).toBe(`${entries[0]!.time} one\n`);
      expect(tail(entries, 1).map((e) => e.log)).toEqual(['tail']);
      expect(tail(entries, 0)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('skips a line cut by a crash', () => {
    expect(parseLogText('{"log":"a\\n","stream":"stdout","time":"t"}\n{"log":"b').length).toBe(1);
  });
});

describe('signals and the monitor argv', () => {
  it('normalizes signal names and numbers', () => {
    expect(signalName('term')).toBe('SIGTERM');
    expect(signalName('SIGKILL')).toBe('SIGKILL');
    expect(signalName('10')).toBe('SIGUSR1');
    expect(() => signalName('NOPE')).toThrow(/unknown signal/);
  });
  it('hands the run argv to the monitor after --', () => {
    expect(monitorArgv('/r', id, '/cwd', ['-d', 'img', 'sh'])).toEqual(['--root', '/r', '__monitor', '--id', id, '--cwd', '/cwd', '--', '-d', 'img', 'sh']);
  });
});
