// --security-opt seccomp=… (as parsed into a SeccompChoice) → the BPF program
// handed to boxinit, through the seccomp compiler in ./seccomp/.
import { release } from 'node:os';
import type { SeccompChoice } from './run-options.js';
import { resolveSeccomp } from './seccomp/resolve.js';

/** capabilities: the container's bounding set (the profile allows more syscalls for some) */
export async function loadSeccompProgram(choice: SeccompChoice, capabilities: bigint): Promise<Uint8Array | undefined> {
  const value = choice.kind === 'default' ? undefined : choice.kind === 'unconfined' ? 'unconfined' : choice.path;
  return resolveSeccomp(value, capabilities, release());
}
