// --security-opt seccomp=… (as parsed into a SeccompChoice) → the BPF program
// handed to boxinit, through the seccomp compiler in ./seccomp/.
//
// Compiling Docker's default profile costs tens of milliseconds on every
// `run`, so its result is cached in ROOT/cache/seccomp/. An entry's first
// line names everything the program depends on besides the capability set
// (in the file name): the kernel release and the identity of the compiler
// code, which holds the profile (the bundle's files, or the seccomp sources
// when running from source), so a rebuilt tsbuild never reuses a program
// compiled by an older compiler. That line is compared whole; the file name
// carries a cheap hash of it, so each bundle holding the compiler keeps its
// own entry (node:crypto would cost the run path milliseconds to load).
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { release } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SeccompChoice } from './run-options.js';
import { DOCKER_DEFAULT_PROFILE } from './seccomp/default-profile.js';
import { replaceFileSync } from './replace-file.js';
// the compiler is loaded only on a cache miss or for a profile file

/** capabilities: the container's bounding set (the profile allows more syscalls for some) */
export async function loadSeccompProgram(choice: SeccompChoice, capabilities: bigint, cacheRoot?: string): Promise<Uint8Array | undefined> {
  if (choice.kind === 'unconfined') return undefined;
  if (choice.kind === 'file') return (await import('./seccomp/resolve.js')).resolveSeccomp(choice.path, capabilities, release());
  if (cacheRoot === undefined) return compileDefault(capabilities);
  const headerText = `tsbuild-seccomp-v2 ${release()} ${await codeIdentity()}\n`;
  const header = Buffer.from(headerText);
  // each bundle that holds the compiler (run.cjs; cli.cjs, which the detached monitor runs) keeps its own entry
  const file = path.join(cacheRoot, 'seccomp', `default-${capabilities.toString(16)}-${fnv1a(headerText)}.bpf`);
  let cached: Buffer | undefined;
  try {
    cached = readFileSync(file);
  } catch {
    cached = undefined;
  }
  const body = cached && cached.length > header.length && cached.subarray(0, header.length).equals(header) ? cached.subarray(header.length) : undefined;
  if (body && body.length % 8 === 0) return new Uint8Array(body.buffer, body.byteOffset, body.length);
  const program = await compileDefault(capabilities);
  try {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    replaceFileSync(file, Buffer.concat([header, program]));
  } catch {
    /* a cache that cannot be written is only slower */
  }
  return program;
}

/** 32-bit FNV-1a, hex: a file name for the first line (which is compared whole) */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

async function compileDefault(capabilities: bigint): Promise<Uint8Array> {
  const { compileSeccomp } = await import('./seccomp/compile.js');
  return compileSeccomp(DOCKER_DEFAULT_PROFILE, { capabilities, kernel: release() }).program;
}

/** what identifies the compiler code (and the profile in it): the bundle's chunk dir, or the seccomp sources */
async function codeIdentity(): Promise<string> {
  const here = fileURLToPath(import.meta.url);
  const files = here.endsWith('.ts')
    ? (await readdir(path.join(path.dirname(here), 'seccomp'))).map((f) => path.join(path.dirname(here), 'seccomp', f))
    : [path.dirname(here), here];
  const parts = [...files, here].map((f) => {
    const st = statSync(f, { throwIfNoEntry: false });
    return `${f}:${st?.size}:${st?.mtimeMs}:${st?.ino}`;
  });
  return parts.join('|');
}
