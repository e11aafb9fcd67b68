// BuildKit-style plain progress: each filesystem step (FROM, RUN, COPY, ADD)
// gets a number; its start, output lines (with seconds since the step
// started), and CACHED / DONE 1.2s / ERROR lines are prefixed with it.
// Config-only steps (ENV, LABEL, …) are not shown, as BuildKit does not.
import { formatSeconds, type BuildEvent, type StepInfo } from '../../builder/events.js';
import { isSingleUnnamed, stepPrefix, type Renderer, type Write } from './renderer.js';

export function createPlainRenderer(write: Write): Renderer {
  let counter = 0;
  let single = false;
  const numbers = new Map<string, number>();
  const steps = new Map<string, { info: StepInfo; start: number }>();
  let exportNumber = 0;
  let exportStart = 0;

  const line = (n: number, text: string): void => write(`#${n} ${text}\n`);

  return {
    onEvent(e: BuildEvent): void {
      switch (e.type) {
        case 'build-start':
          single = isSingleUnnamed(e.stages);
          break;
        case 'step-start': {
          if (e.step.kind === 'meta') return;
          const n = ++counter;
          numbers.set(e.step.id, n);
          steps.set(e.step.id, { info: e.step, start: e.t });
          line(n, `${stepPrefix(e.step, single)} ${e.step.label}`);
          break;
        }
        case 'step-log': {
          const n = numbers.get(e.id);
          const s = steps.get(e.id);
          if (n === undefined || !s) return;
          line(n, `${((e.t - s.start) / 1000).toFixed(3)} ${e.line}`);
          break;
        }
        case 'step-cached': {
          const n = numbers.get(e.id);
          if (n !== undefined) line(n, 'CACHED');
          break;
        }
        case 'step-done': {
          const n = numbers.get(e.id);
          if (n === undefined) return;
          if (!e.cached) line(n, `DONE ${formatSeconds(e.durationMs)}`);
          write('\n');
          break;
        }
        case 'step-failed': {
          const n = numbers.get(e.id);
          if (n === undefined) return;
          line(n, `ERROR: ${e.message}`);
          write('\n');
          break;
        }
        case 'export-start':
          exportNumber = ++counter;
          exportStart = e.t;
          line(exportNumber, e.label);
          break;
        case 'export-done':
          if (exportNumber === 0) return;
          line(exportNumber, `writing image ${e.imageId}`);
          for (const tag of e.tags) line(exportNumber, `naming to ${tag}`);
          line(exportNumber, `DONE ${formatSeconds(e.t - exportStart)}`);
          break;
        default:
          break;
      }
    },
    async close(): Promise<void> {},
  };
}
