// The interface every progress renderer has: it receives the builder's
// events and writes to a stream. close() flushes and releases the terminal.
import type { BuildEvent, StepInfo } from '../../builder/events.js';

export interface Renderer {
  onEvent(event: BuildEvent): void;
  close(): Promise<void>;
}

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json';

/** Writes to a stream; in tests, collect into an array. */
export type Write = (text: string) => void;

/** "[build 2/4] " or "[2/4] " when the build has a single unnamed stage */
export function stepPrefix(step: StepInfo, singleUnnamed: boolean): string {
  return singleUnnamed ? `[${step.index}/${step.total}]` : `[${step.stageName} ${step.index}/${step.total}]`;
}

/** True when the build has exactly one stage and it has no AS name. */
export function isSingleUnnamed(stages: { index: number; name: string }[]): boolean {
  return stages.length === 1 && stages[0]?.name === `stage-${stages[0]?.index}`;
}

/** auto → tty when stdout is a TTY and CI is unset, else plain */
export function pickMode(mode: ProgressMode, isTTY: boolean, env: NodeJS.ProcessEnv): Exclude<ProgressMode, 'auto'> {
  if (mode !== 'auto') return mode;
  return isTTY && !env.CI ? 'tty' : 'plain';
}
