// Opens the image store at ctx.root for one command and closes it (ending the
// writer session) however the command ends. Not a command itself.
import { ImageStore } from '../../image/store.js';
import type { CommandContext } from '../command.js';

export async function withStore<T>(ctx: CommandContext, fn: (store: ImageStore) => Promise<T>): Promise<T> {
  const store = await ImageStore.open(ctx.root);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
