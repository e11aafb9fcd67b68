// A host-wide lock file (O_EXCL) holding its owner's pid + start time, so a
// lock left by a killed tsbuild is broken by the next one. Breaking renames
// the stale file away first and checks it is still the stale owner's.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TsbuildError } from '../../errors.js';
import { isAlive, processRef, type ProcessRef } from '../state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readOwner(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined);
}

export async function withLock<T>(file: string, f: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const me = JSON.stringify(await processRef(process.pid));
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await writeFile(file, me, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = await readOwner(file);
    let owner: ProcessRef | undefined;
    try {
      owner = text ? (JSON.parse(text) as ProcessRef) : undefined;
    } catch {
      owner = undefined;
    }
    if (text !== undefined && !(await isAlive(owner))) {
      const aside = `${file}.stale.${process.pid}`;
      await rename(file, aside).catch(() => undefined);
      const moved = await readOwner(aside);
      if (moved !== undefined && moved !== text) await rename(aside, file).catch(() => undefined);
      await rm(aside, { force: true });
      continue;
    }
    if (Date.now() > until) throw new TsbuildError('runtime', 'LOCK_TIMEOUT', `timed out waiting for the lock ${file} (held by ${text ?? 'nobody'})`);
    await sleep(5 + Math.random() * 10);
  }
  try {
    return await f();
  } finally {
    if ((await readOwner(file)) === me) await rm(file, { force: true });
  }
}
