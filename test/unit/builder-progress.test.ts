import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineSplitter, ProgressEmitter, type BuildEvent } from '../../src/builder/events.js';
import { traceFromEvents } from '../../src/builder/trace.js';
import { createJsonRenderer } from '../../src/cli/ui/json.js';
import { createPlainRenderer } from '../../src/cli/ui/plain.js';
import { pickMode } from '../../src/cli/ui/renderer.js';
import { copyStep, events, runStep } from './builder-progress-fixture.js';

function renderPlain(evts: BuildEvent[]): string {
  let out = '';
  const r = createPlainRenderer((s) => (out += s));
  for (const e of evts) r.onEvent(e);
  return out;
}

describe('plain renderer', () => {
  it('prints BuildKit-style lines: numbered steps, CACHED, output with step-relative seconds, DONE', () => {
    expect(renderPlain(events)).toBe(
      [
        '#1 [build 1/4] FROM localhost/busybox:latest@sha256:abc',
        '#1 DONE 0.0s',
        '',
        '#2 [build 2/4] COPY app.sh /app/',
        '#2 CACHED',
        '',
        '#3 [build 4/4] RUN ./app.sh',
        '#3 0.250 hello',
        '#3 DONE 1.2s',
        '',
        '#4 exporting to image',
        '#4 writing image sha256:feed',
        '#4 naming to localhost/app:latest',
        '#4 DONE 0.1s',
        '',
      ].join('\n'),
    );
  });

  it('omits the stage name for a single unnamed stage and prints ERROR for a failed step', () => {
    const step = { ...runStep, stageName: 'stage-0', id: 'x' };
    const out = renderPlain([
      { t: 0, type: 'build-start', boxfile: 'Boxfile', stages: [{ index: 0, name: 'stage-0' }] },
      { t: 0, type: 'step-start', step },
      { t: 10, type: 'step-failed', id: 'x', durationMs: 10, message: 'exit 3' },
    ]);
    expect(out).toBe('#1 [4/4] RUN ./app.sh\n#1 ERROR: exit 3\n\n');
  });
});

describe('json renderer', () => {
  it('writes one parseable JSON object per event, in order', () => {
    let out = '';
    const r = createJsonRenderer((s) => (out += s));
    for (const e of events) r.onEvent(e);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(events.length);
    expect(lines.map((l) => JSON.parse(l))).toEqual(events);
  });
});

describe('progress mode', () => {
  it('auto picks tty only on a TTY without CI', () => {
    expect(pickMode('auto', true, {})).toBe('tty');
    expect(pickMode('auto', true, { CI: '1' })).toBe('plain');
    expect(pickMode('auto', false, {})).toBe('plain');
    expect(pickMode('json', true, {})).toBe('json');
  });
});

describe('emitter and line splitter', () => {
  it('stamps events with time since start and survives a throwing sink', () => {
    let now = 100;
    const em = new ProgressEmitter({ now: () => now });
    const got: BuildEvent[] = [];
    em.subscribe(() => {
      throw new Error('renderer broke');
    });
    em.subscribe((e) => got.push(e));
    now = 142.5;
    em.emit({ type: 'step-cached', id: 'a' });
    expect(got).toEqual([{ type: 'step-cached', id: 'a', t: 42.5 }]);
  });

  it('splits chunks into lines and keeps a partial line until flushed', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push('ab');
    s.push('c\r\nde\n');
    s.push(Buffer.from('f'));
    expect(lines).toEqual(['abc', 'de']);
    s.flush();
    expect(lines).toEqual(['abc', 'de', 'f']);
  });
});

describe('trace', () => {
  it('has a span per stage and step, cache hits marked, on one thread per stage', () => {
    const trace = traceFromEvents(events);
    const spans = trace.traceEvents.filter((e) => e.ph === 'X');
    const stage = spans.find((e) => e.cat === 'stage');
    expect(stage).toMatchObject({ name: 'stage build', ts: 1000, dur: 1204000, tid: 1 });
    const cached = spans.find((e) => e.args?.id === copyStep.id);
    expect(cached).toMatchObject({ cat: 'step,cached', name: 'CACHED COPY app.sh /app/', tid: 1, args: { cached: true } });
    const run = spans.find((e) => e.args?.id === runStep.id);
    expect(run).toMatchObject({ cat: 'step', ts: 5000, dur: 1200000, args: { cached: false, outputLines: 1 } });
    expect(spans.filter((e) => e.cat.startsWith('step'))).toHaveLength(4);
    expect(spans.find((e) => e.cat === 'build')).toMatchObject({ ts: 0, dur: 1306000 });
    expect(trace.traceEvents.find((e) => e.ph === 'M' && e.tid === 1)?.args).toEqual({ name: 'stage build' });
    // valid JSON round trip
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });
});

describe('tty renderer (ink)', () => {
  it('draws the steps with CACHED, times, the running step’s output and the finish line', async () => {
    const { createTtyRenderer } = await import('../../src/cli/ui/tty.js');
    const stream = new PassThrough() as unknown as NodeJS.WriteStream & { columns: number };
    stream.columns = 100;
    let out = '';
    (stream as unknown as PassThrough).on('data', (d: Buffer) => (out += d.toString()));
    const r = createTtyRenderer({ stdout: stream, debug: true });
    const cut = events.findIndex((e) => e.type === 'step-log') + 1;
    for (const e of events.slice(0, cut)) r.onEvent(e);
    await new Promise((res) => setTimeout(res, 50));
    expect(out).toContain('hello'); // the running step's last line
    for (const e of events.slice(cut)) r.onEvent(e);
    await r.close();
    const last = out.slice(out.lastIndexOf('[+] Building'));
    expect(last).toContain('FINISHED');
    expect(last).toMatch(/\[build 2\/4\] COPY app\.sh \/app\/ CACHED/);
    expect(last).toMatch(/\[build 4\/4\] RUN \.\/app\.sh 1\.2s/);
    expect(last).not.toContain('hello'); // finished steps fold their output away
    expect(last).toContain('writing image sha256:feed');
  });
});
