// -t, on tsbuild's side (`run` and `exec`): boxinit owns the container's pty;
// tsbuild sends it the caller's window size whenever the terminal is resized
// (down the config pipe, which stays open for that), and puts an interactive
// caller's terminal in raw mode, so that keys reach the container as typed.
import type { Writable } from 'node:stream';
import { encodeWindowSize } from './boxinit-protocol.js';

export type TerminalOut = NodeJS.WritableStream & { isTTY?: boolean; rows?: number; columns?: number };
type Resizable = TerminalOut & { on(e: 'resize', l: () => void): unknown; off(e: 'resize', l: () => void): unknown };
type TerminalIn = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown };

/** starts the relay; returns what undoes it (stop watching, terminal back to cooked mode) */
export function relayTerminal(configPipe: Writable, terminal: TerminalOut, stdin: NodeJS.ReadableStream, interactive: boolean): () => void {
  const out = terminal as Resizable;
  const onResize = (): void => {
    if (!configPipe.destroyed) configPipe.write(encodeWindowSize(out.rows || 24, out.columns || 80));
  };
  if (out.isTTY) out.on('resize', onResize);
  const input = stdin as TerminalIn;
  const raw = interactive && input.isTTY === true && input.setRawMode !== undefined;
  if (raw) input.setRawMode?.(true);
  return () => {
    if (out.isTTY) out.off('resize', onResize);
    if (raw) input.setRawMode?.(false);
  };
}
