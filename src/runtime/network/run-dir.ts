// Host-wide runtime state (not per store): /run/tsbuild, or TSBUILD_RUN_DIR
// (tests point it at a temp dir for the pure-file parts).
import path from 'node:path';

export function runDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.TSBUILD_RUN_DIR || '/run/tsbuild';
}

export function networkDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runDir(env), 'network');
}

export function netnsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runDir(env), 'netns');
}

export function cgroupRecordsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(runDir(env), 'cgroups');
}
