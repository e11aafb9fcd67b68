// Compiles native/*.c with the system C compiler. No downloaded binaries.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const outDir = path.join(root, 'native', 'build');
// every native/NAME.c becomes native/build/NAME
const nativeDir = path.join(root, 'native');
const programs = (existsSync(nativeDir) ? readdirSync(nativeDir) : []).filter((f) => f.endsWith('.c')).map((f) => f.slice(0, -2));
const cc = process.env.CC || 'cc';

mkdirSync(outDir, { recursive: true });
for (const name of programs) {
  const src = path.join(root, 'native', `${name}.c`);
  const argv = ['-O2', '-Wall', '-Wextra', '-std=gnu11', '-o', path.join(outDir, name), src];
  const result = spawnSync(cc, argv, { stdio: 'inherit' });
  if (result.error) {
    console.error(
      `tsbuild: cannot compile native/${name}.c: the C compiler '${cc}' was not found (${result.error.message}).\n` +
        `Install one (Debian/Ubuntu: apt-get install -y gcc libc6-dev) or set CC, then run 'npm run build:native'.`,
    );
    process.exit(1);
  }
  if (result.status !== 0) {
    console.error(`tsbuild: '${cc} ${argv.join(' ')}' failed with exit ${result.status}`);
    process.exit(1);
  }
}
