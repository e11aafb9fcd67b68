// The interactive progress display (ink + react): one row per filesystem
// step with a spinner while it runs, CACHED or its time when it ends, the
// last lines of each running step, and the elapsed build time. Loaded with
// a dynamic import() only when stdout is a TTY and CI is unset, so plain
// builds never pay for ink and react.
import { Box, Text, render } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { formatSeconds, type BuildEvent, type StepInfo } from '../../builder/events.js';
import { isSingleUnnamed, stepPrefix, type Renderer } from './renderer.js';

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const tailLines = 6;

type Status = 'running' | 'cached' | 'done' | 'failed';

interface Row {
  info: StepInfo;
  status: Status;
  start: number;
  durationMs?: number;
  message?: string;
  tail: string[];
}

interface State {
  rows: Row[];
  single: boolean;
  /** build start in wall-clock ms, for the running timers */
  startedAt: number;
  finishedMs?: number;
  exportLine?: string;
  failed?: string;
}

/** A tiny external store: the renderer folds events into it; the component subscribes. */
export class ProgressStore {
  private state: State;
  private readonly listeners = new Set<() => void>();
  private readonly byId = new Map<string, Row>();

  constructor(now = Date.now()) {
    this.state = { rows: [], single: false, startedAt: now };
  }

  get = (): State => this.state;

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  apply(e: BuildEvent): void {
    const s = this.state;
    let next: State = s;
    const update = (id: string, f: (r: Row) => Row): void => {
      const row = this.byId.get(id);
      if (!row) return;
      const nr = f(row);
      this.byId.set(id, nr);
      next = { ...next, rows: next.rows.map((r) => (r === row ? nr : r)) };
    };
    switch (e.type) {
      case 'build-start':
        next = { ...s, single: isSingleUnnamed(e.stages), startedAt: Date.now() - e.t };
        break;
      case 'step-start': {
        if (e.step.kind === 'meta') return;
        const row: Row = { info: e.step, status: 'running', start: e.t, tail: [] };
        this.byId.set(e.step.id, row);
        next = { ...s, rows: [...s.rows, row] };
        break;
      }
      case 'step-log':
        update(e.id, (r) => ({ ...r, tail: [...r.tail, e.line].slice(-tailLines) }));
        break;
      case 'step-cached':
        update(e.id, (r) => ({ ...r, status: 'cached' }));
        break;
      case 'step-done':
        update(e.id, (r) => ({ ...r, status: e.cached ? 'cached' : 'done', durationMs: e.durationMs }));
        break;
      case 'step-failed':
        update(e.id, (r) => ({ ...r, status: 'failed', durationMs: e.durationMs, message: e.message }));
        break;
      case 'export-start':
        next = { ...s, exportLine: e.label };
        break;
      case 'export-done':
        next = { ...s, exportLine: `writing image ${e.imageId}${e.tags.length ? ` (${e.tags.join(', ')})` : ''}` };
        break;
      case 'build-done':
        next = { ...s, finishedMs: e.durationMs };
        break;
      case 'build-failed':
        next = { ...s, finishedMs: e.durationMs, failed: e.message };
        break;
      default:
        return;
    }
    if (next === s) return;
    this.state = next;
    for (const l of this.listeners) l();
  }
}

function useTick(active: boolean): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((t) => t + 1), 100);
    return () => clearInterval(timer);
  }, [active]);
  return tick;
}

function StepRow({ row, single, tick, now }: { row: Row; single: boolean; tick: number; now: number }) {
  const prefix = stepPrefix(row.info, single);
  const mark =
    row.status === 'running' ? <Text color="cyan">{spinner[tick % spinner.length]}</Text> : row.status === 'failed' ? <Text color="red">✗</Text> : <Text color="green">✔</Text>;
  const right =
    row.status === 'cached' ? <Text color="yellow">CACHED</Text> : row.status === 'running' ? <Text dimColor>{formatSeconds(Math.max(0, now - row.start))}</Text> : <Text dimColor>{formatSeconds(row.durationMs ?? 0)}</Text>;
  return (
    <Box flexDirection="column">
      <Box>
        {mark}
        <Text> {prefix} </Text>
        <Text wrap="truncate-end">{row.info.label}</Text>
        <Text> </Text>
        {right}
      </Box>
      {row.status === 'running' || row.status === 'failed'
        ? row.tail.map((l, i) => (
            <Text key={i} dimColor wrap="truncate-end">
              {'    '}
              {l}
            </Text>
          ))
        : null}
      {row.message ? <Text color="red">{`    ERROR: ${row.message}`}</Text> : null}
    </Box>
  );
}

function Progress({ store }: { store: ProgressStore }) {
  const state = useSyncExternalStore(store.subscribe, store.get);
  const running = state.finishedMs === undefined;
  const tick = useTick(running);
  const now = Date.now() - state.startedAt;
  const total = state.finishedMs ?? now;
  return (
    <Box flexDirection="column">
      <Text bold>{`[+] Building ${formatSeconds(Math.max(0, total))}${state.failed ? ' (failed)' : running ? '' : ' FINISHED'}`}</Text>
      {state.rows.map((row) => (
        <StepRow key={row.info.id} row={row} single={state.single} tick={tick} now={now} />
      ))}
      {state.exportLine ? <Text>{` => ${state.exportLine}`}</Text> : null}
    </Box>
  );
}

export interface TtyOptions {
  stdout: NodeJS.WriteStream;
  /** test hook: ink's debug mode writes every frame in full */
  debug?: boolean;
}

export function createTtyRenderer(options: TtyOptions): Renderer {
  const store = new ProgressStore();
  const app = render(<Progress store={store} />, {
    stdout: options.stdout,
    debug: options.debug ?? false,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    onEvent(e: BuildEvent): void {
      store.apply(e);
    },
    async close(): Promise<void> {
      // let the last state reach the screen before unmounting
      await new Promise((r) => setTimeout(r, 20));
      app.unmount();
      await app.waitUntilExit().catch(() => undefined);
      // ink leaves the cursor after the last frame: end its line
      options.stdout.write('\n');
    },
  };
}
