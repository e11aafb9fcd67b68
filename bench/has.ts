// Whether a command is on PATH (`command -v` through sh, the name as an argv
// word): the benches leave a missing contender out and print why.
import { spawnSync } from 'node:child_process';

export function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', cmd], { stdio: 'ignore' }).status === 0;
}
