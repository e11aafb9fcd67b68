// --progress json: every event as one JSON line, for tools.
import type { BuildEvent } from '../../builder/events.js';
import type { Renderer, Write } from './renderer.js';

export function createJsonRenderer(write: Write): Renderer {
  return {
    onEvent(e: BuildEvent): void {
      write(`${JSON.stringify(e)}\n`);
    },
    async close(): Promise<void> {},
  };
}
