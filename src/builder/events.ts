// The build's progress as data. The builder emits these events; renderers
// (src/cli/ui/*) and the trace writer consume them. Nothing in src/builder
// writes to a screen.

/** what a step does to the image: FROM, a filesystem change, or config only */
export type StepKind = 'from' | 'fs' | 'meta';

export interface StepInfo {
  /** unique within the build, e.g. "s1.3" */
  id: string;
  /** stage index in the Boxfile */
  stage: number;
  /** the stage's name (AS name) or "stage-N" */
  stageName: string;
  /** 1-based position within the stage */
  index: number;
  /** number of steps in the stage */
  total: number;
  /** the instruction keyword, upper case (RUN, COPY, …) */
  instruction: string;
  /** the instruction as shown to the user, after expansion, e.g. "RUN make" */
  label: string;
  kind: StepKind;
}

interface Timed {
  /** milliseconds since the build started (monotonic) */
  t: number;
}

export type BuildEvent = Timed &
  (
    | { type: 'build-start'; boxfile: string; target?: string; stages: { index: number; name: string }[] }
    | { type: 'stage-start'; stage: number; stageName: string }
    | { type: 'stage-done'; stage: number; stageName: string; durationMs: number }
    | { type: 'step-start'; step: StepInfo }
    | { type: 'step-log'; id: string; stream: 'stdout' | 'stderr'; line: string }
    | { type: 'step-cached'; id: string }
    | { type: 'step-done'; id: string; durationMs: number; cached: boolean }
    | { type: 'step-failed'; id: string; durationMs: number; message: string }
    | { type: 'export-start'; label: string }
    | { type: 'export-done'; imageId: string; tags: string[]; durationMs: number }
    | { type: 'build-done'; imageId: string; durationMs: number }
    | { type: 'build-failed'; message: string; durationMs: number }
  );

type Untimed<E> = E extends Timed ? Omit<E, 't'> : never;
export type BuildEventInput = Untimed<BuildEvent>;

export type EventSink = (event: BuildEvent) => void;

/**
 * Stamps events with the time since the build started and hands them to
 * every sink. A sink that throws does not stop the build.
 */
export class ProgressEmitter {
  private readonly sinks: EventSink[] = [];
  private readonly start: number;
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
  }

  subscribe(sink: EventSink): void {
    this.sinks.push(sink);
  }

  /** milliseconds since the build started */
  elapsed(): number {
    return this.now() - this.start;
  }

  emit(event: BuildEventInput): void {
    const full = { ...event, t: Math.round(this.elapsed() * 1000) / 1000 } as BuildEvent;
    for (const sink of this.sinks) {
      try {
        sink(full);
      } catch {
        // a renderer's failure must not fail the build
      }
    }
  }
}

/** Splits streamed output into lines; the last partial line is kept until flush. */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string | Uint8Array): void {
    const text = this.rest + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const parts = text.split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.onLine(p.endsWith('\r') ? p.slice(0, -1) : p);
  }

  flush(): void {
    if (this.rest !== '') this.onLine(this.rest);
    this.rest = '';
  }
}

/** "1.2s" as BuildKit prints durations */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
