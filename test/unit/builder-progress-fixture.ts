// A synthetic event sequence shared by the renderer and trace tests: two
// stages, a cached COPY, a RUN with output, a config-only step, an export.
import type { BuildEvent, StepInfo } from '../../src/builder/events.js';

const step = (stage: number, stageName: string, index: number, total: number, instruction: string, label: string, kind: StepInfo['kind']): StepInfo => ({
  id: `s${stage}.${index}`,
  stage,
  stageName,
  index,
  total,
  instruction,
  label,
  kind,
});

export const fromStep = step(0, 'build', 1, 4, 'FROM', 'FROM localhost/busybox:latest@sha256:abc', 'from');
export const copyStep = step(0, 'build', 2, 4, 'COPY', 'COPY app.sh /app/', 'fs');
export const envStep = step(0, 'build', 3, 4, 'ENV', 'ENV A=1', 'meta');
export const runStep = step(0, 'build', 4, 4, 'RUN', 'RUN ./app.sh', 'fs');

export const events: BuildEvent[] = [
  { t: 0, type: 'build-start', boxfile: 'Boxfile', stages: [{ index: 0, name: 'build' }] },
  { t: 1, type: 'stage-start', stage: 0, stageName: 'build' },
  { t: 1, type: 'step-start', step: fromStep },
  { t: 3, type: 'step-done', id: fromStep.id, durationMs: 2, cached: false },
  { t: 3, type: 'step-start', step: copyStep },
  { t: 4, type: 'step-cached', id: copyStep.id },
  { t: 4, type: 'step-done', id: copyStep.id, durationMs: 1, cached: true },
  { t: 4, type: 'step-start', step: envStep },
  { t: 4, type: 'step-done', id: envStep.id, durationMs: 0, cached: false },
  { t: 5, type: 'step-start', step: runStep },
  { t: 255, type: 'step-log', id: runStep.id, stream: 'stdout', line: 'hello' },
  { t: 1205, type: 'step-done', id: runStep.id, durationMs: 1200, cached: false },
  { t: 1205, type: 'stage-done', stage: 0, stageName: 'build', durationMs: 1204 },
  { t: 1206, type: 'export-start', label: 'exporting to image' },
  { t: 1306, type: 'export-done', imageId: 'sha256:feed', tags: ['localhost/app:latest'], durationMs: 100 },
  { t: 1306, type: 'build-done', imageId: 'sha256:feed', durationMs: 1306 },
];
