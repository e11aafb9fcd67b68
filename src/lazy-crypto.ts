// node:crypto takes milliseconds to load, and `tsbuild run` of an image in
// the store hashes nothing (container IDs and temp names come from
// random-hex.ts): the modules on that path load it at first use.
import type * as Crypto from 'node:crypto';
import { createRequire } from 'node:module';

let loaded: typeof Crypto | undefined;

export function nodeCrypto(): typeof Crypto {
  loaded ??= createRequire(import.meta.url)('node:crypto') as typeof Crypto;
  return loaded;
}
