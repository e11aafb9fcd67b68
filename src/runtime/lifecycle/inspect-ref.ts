// `inspect NAME`: a container when NAME names one (Docker looks at
// containers first too), else undefined and the caller tries images.
import { reconcile, resolveContainerId, viewOf } from './lookup.js';
import { inspectContainer } from './present.js';

export async function inspectContainerRef(root: string, ref: string): Promise<Record<string, unknown> | undefined> {
  await reconcile(root);
  const id = await resolveContainerId(root, ref).catch(() => undefined);
  const v = id ? await viewOf(root, id) : undefined;
  return v ? inspectContainer(v) : undefined;
}
