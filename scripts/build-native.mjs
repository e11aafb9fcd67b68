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
// static where the C library allows it (libc6-dev ships libc.a): the helpers
// are exec'd several times per container start, and a static one skips the
// dynamic loader each time (about a millisecond here)
for (const name of programs) {
  const src = path.join(root, 'native', `${name}.c`);
  const base = ['-O2', '-Wall', '-Wextra', '-std=gnu11', '-o', path.join(outDir, name), src];
  const staticTry = spawnSync(cc, ['-static', ...base], { stdio: ['ignore', 'inherit', 'pipe'] });
  if (staticTry.status === 0) continue;
  const argv = base;
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
  const why = staticTry.stderr?.toString().split('\n').find((l) => /cannot find|error:/.test(l)) ?? 'see the compiler';
  console.error(`tsbuild: native/${name}.c is linked dynamically (a static link failed: ${why.trim()})`);
}
