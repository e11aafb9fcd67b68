// Splits the global options (--root, --debug, and --version/-v first) from
// the command and its arguments. Shared by main.ts and by the launcher
// (launcher.ts), which must find the command before loading any of it.

export function splitGlobal(argv: readonly string[]): { global: string[]; rest: string[] } {
  const global: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i] as string;
    if (a === '--root') {
      global.push(a, argv[i + 1] ?? '');
      i += 2;
    } else if (a.startsWith('--root=') || a === '--debug' || (i === 0 && (a === '--version' || a === '-v'))) {
      global.push(a);
      i++;
    } else break;
  }
  return { global, rest: argv.slice(i) };
}
