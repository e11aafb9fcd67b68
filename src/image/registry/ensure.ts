// What `run` and `build` (FROM) call: the image from the store, pulled first
// when it is missing (or always, for `--pull`), with the credentials of the
// Docker config. A pulled tag is re-resolved in the store afterwards, so the
// caller gets the same ResolvedImage shape either way.
import { formatRef, parseRef, withDefaultTag } from '../refs.js';
import type { ImageStore, ResolvedImage } from '../store.js';
import { TsbuildError } from '../../errors.js';
import { loadCredentials } from './credentials.js';
import type { InsecureOptions } from './endpoint.js';
import type { TransferListener } from './events.js';
import type { PlatformSpec } from './platform.js';
import { pull, type PullResult } from './pull.js';

export interface EnsureOptions extends InsecureOptions {
  env: NodeJS.ProcessEnv;
  /** missing: pull only when not in the store (default); always: re-resolve the tag (--pull); never: store only */
  policy?: 'missing' | 'always' | 'never';
  platform?: PlatformSpec;
  onEvent?: TransferListener;
}

export async function ensureImage(store: ImageStore, input: string, options: EnsureOptions): Promise<{ image: ResolvedImage; pulled?: PullResult }> {
  const policy = options.policy ?? 'missing';
  if (policy !== 'always') {
    try {
      return { image: await store.resolve(input) };
    } catch (err) {
      if (!(err instanceof TsbuildError) || err.code !== 'IMAGE_NOT_FOUND' || policy === 'never') throw err;
    }
  }
  const ref = withDefaultTag(parseRef(input));
  let pulled: PullResult;
  try {
    pulled = await pull(store, ref, {
      ...options,
      credentials: await loadCredentials(options.env, ref.domain),
      ...(options.platform ? { platform: options.platform, platformExplicit: true } : {}),
    });
  } catch (err) {
    if (err instanceof TsbuildError && policy === 'missing') {
      throw new TsbuildError('image', err.code, `image ${input} is not in the store, and pulling ${formatRef(ref)} failed: ${err.message}`, { cause: err });
    }
    throw err;
  }
  const image = await store.resolve(pulled.manifestDigest);
  return { image, pulled };
}
