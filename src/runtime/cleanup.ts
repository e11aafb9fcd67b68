// A disposer registry: every acquired resource registers its release the
// moment it is acquired; `dispose()` runs them last-in first-out, runs all of
// them even when some fail, and reports the failures together. Used with
// try/finally so failure and Ctrl-C clean up too (Node 20 has no
// AsyncDisposableStack).
import { TsbuildError } from '../errors.js';

export type Release = () => void | Promise<void>;

export class Cleanup {
  private readonly stack: { what: string; release: Release }[] = [];
  private disposed = false;

  /** registers a release; returns a function that runs it early (once) */
  defer(what: string, release: Release): () => Promise<void> {
    const entry = { what, release };
    this.stack.push(entry);
    return async () => {
      const i = this.stack.indexOf(entry);
      if (i === -1) return;
      this.stack.splice(i, 1);
      await release();
    };
  }

  /** how many releases are pending */
  get size(): number {
    return this.stack.length;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const failures: string[] = [];
    const causes: unknown[] = [];
    while (this.stack.length > 0) {
      const { what, release } = this.stack.pop() as { what: string; release: Release };
      try {
        await release();
      } catch (err) {
        failures.push(`${what}: ${(err as Error)?.message ?? String(err)}`);
        causes.push(err);
      }
    }
    if (failures.length > 0) {
      throw new TsbuildError('runtime', 'CLEANUP_FAILED', `cleanup failed: ${failures.join('; ')}`, { cause: causes[0], details: failures });
    }
  }
}
