// --security-opt seccomp=… → the BPF program handed to boxinit (or none).
import { readFile } from 'node:fs/promises';
import { TsbuildError } from '../../errors.js';
import { compileSeccomp } from './compile.js';
import { DOCKER_DEFAULT_PROFILE } from './default-profile.js';
import { parseSeccompProfile } from './profile.js';

/**
 * value: undefined (Docker's default profile), 'unconfined' (no filter), or
 * the path of a profile file in Docker's JSON format. capabilities: the
 * container's bounding set. Returns undefined for unconfined.
 */
export async function resolveSeccomp(value: string | undefined, capabilities: bigint, kernel?: string): Promise<Uint8Array | undefined> {
  if (value === 'unconfined') return undefined;
  if (value === undefined || value === '' || value === 'default' || value === 'builtin') {
    return compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities, kernel }).program;
  }
  let text: string;
  try {
    text = await readFile(value, 'utf8');
  } catch (err) {
    throw new TsbuildError('usage', 'SECCOMP_PROFILE', `--security-opt seccomp=${value}: cannot read the profile: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return compileSeccomp(parseSeccompProfile(text, value), { capabilities, kernel }).program;
}
