// --trace FILE: the build as Chrome trace-event JSON (open it in Perfetto or
// chrome://tracing). One thread per stage; a complete span ("X") per stage
// and per step inside it, cache hits marked in the name, category and args.
// Pure: events in, the JSON object out.
import type { BuildEvent, StepInfo } from './events.js';

export interface TraceEvent {
  name: string;
  cat: string;
  ph: 'X' | 'M' | 'i';
  /** microseconds */
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  s?: 'g' | 'p' | 't';
  args?: Record<string, unknown>;
}

export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
}

const us = (ms: number): number => Math.round(ms * 1000);

export function traceFromEvents(events: readonly BuildEvent[]): TraceFile {
  const out: TraceEvent[] = [{ name: 'process_name', cat: '__metadata', ph: 'M', ts: 0, pid: 1, tid: 0, args: { name: 'tsbuild build' } }];
  const stageStart = new Map<number, number>();
  const named = new Set<number>();
  const steps = new Map<string, { info: StepInfo; start: number; cached: boolean; lines: number }>();
  let buildStart = 0;
  let exportStart: number | undefined;
  const tidOf = (stage: number): number => stage + 1;
  const nameThread = (stage: number, name: string): void => {
    if (named.has(stage)) return;
    named.add(stage);
    out.push({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: 1, tid: tidOf(stage), args: { name: `stage ${name}` } });
  };

  for (const e of events) {
    switch (e.type) {
      case 'build-start':
        buildStart = e.t;
        out.push({ name: 'thread_name', cat: '__metadata', ph: 'M', ts: 0, pid: 1, tid: 0, args: { name: 'build' } });
        for (const s of e.stages) nameThread(s.index, s.name);
        break;
      case 'stage-start':
        nameThread(e.stage, e.stageName);
        stageStart.set(e.stage, e.t);
        break;
      case 'stage-done': {
        const start = stageStart.get(e.stage) ?? e.t - e.durationMs;
        out.push({ name: `stage ${e.stageName}`, cat: 'stage', ph: 'X', ts: us(start), dur: us(e.t - start), pid: 1, tid: tidOf(e.stage), args: { stage: e.stage } });
        break;
      }
      case 'step-start':
        steps.set(e.step.id, { info: e.step, start: e.t, cached: false, lines: 0 });
        break;
      case 'step-log': {
        const s = steps.get(e.id);
        if (s) s.lines++;
        break;
      }
      case 'step-cached': {
        const s = steps.get(e.id);
        if (s) s.cached = true;
        break;
      }
      case 'step-done':
      case 'step-failed': {
        const s = steps.get(e.id);
        if (!s) break;
        const failed = e.type === 'step-failed';
        const cached = s.cached || (e.type === 'step-done' && e.cached);
        out.push({
          name: `${cached ? 'CACHED ' : ''}${s.info.label}`,
          cat: failed ? 'step,failed' : cached ? 'step,cached' : 'step',
          ph: 'X',
          ts: us(s.start),
          dur: us(e.t - s.start),
          pid: 1,
          tid: tidOf(s.info.stage),
          args: {
            id: s.info.id,
            stage: s.info.stageName,
            step: `${s.info.index}/${s.info.total}`,
            instruction: s.info.instruction,
            cached,
            outputLines: s.lines,
            ...(failed ? { error: e.message } : {}),
          },
        });
        break;
      }
      case 'export-start':
        exportStart = e.t;
        break;
      case 'export-done': {
        const start = exportStart ?? e.t - e.durationMs;
        out.push({ name: 'export', cat: 'export', ph: 'X', ts: us(start), dur: us(e.t - start), pid: 1, tid: 0, args: { imageId: e.imageId, tags: e.tags } });
        break;
      }
      case 'build-done':
      case 'build-failed':
        out.push({
          name: 'build',
          cat: 'build',
          ph: 'X',
          ts: us(buildStart),
          dur: us(e.t - buildStart),
          pid: 1,
          tid: 0,
          args: e.type === 'build-done' ? { imageId: e.imageId } : { error: e.message },
        });
        break;
      default:
        break;
    }
  }
  return { traceEvents: out, displayTimeUnit: 'ms' };
}
