import { flagBool, flagString, parseArgs, type FlagSpec } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';
import { insecureOptions } from './pull.js';

const flags: FlagSpec[] = [
  { name: 'username', short: 'u', kind: 'string', value: 'USER', description: 'user name' },
  { name: 'password', short: 'p', kind: 'string', value: 'PASSWORD', description: 'password (insecure: prefer --password-stdin)' },
  { name: 'password-stdin', kind: 'bool', description: 'read the password from stdin' },
  { name: 'tls-verify', kind: 'bool', description: 'false: do not check the TLS certificate (plain HTTP when the registry has no TLS); true: check it even for localhost and 127.0.0.1' },
  { name: 'insecure-registry', kind: 'list', value: 'HOST[:PORT]', description: 'do not check this registry\'s TLS certificate (plain HTTP when it has no TLS)' },
];

type TtyIn = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

/**
 * Reads one line from a terminal in raw mode: echoed as typed for the user
 * name, not at all for the password. Backspace edits; Ctrl-C and Ctrl-D abort.
 */
async function promptLine(ctx: { stdin: NodeJS.ReadableStream; stderr: NodeJS.WritableStream }, label: string, echo: boolean): Promise<string> {
  const tty = ctx.stdin as TtyIn;
  // raw (no echo by the terminal) before the prompt shows: what is typed in
  // answer to it must never meet the terminal's own echo
  tty.setRawMode?.(true);
  ctx.stderr.write(label);
  tty.resume();
  let line = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (data: Buffer | string): void => {
        for (const ch of typeof data === 'string' ? data : data.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            tty.off('data', onData);
            ctx.stderr.write('\n');
            resolve(line);
            return;
          }
          if (ch === '\u0003' || ch === '\u0004') {
            tty.off('data', onData);
            ctx.stderr.write('\n');
            reject(usageError('login cancelled'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') {
            if (line.length > 0 && echo) ctx.stderr.write('\b \b');
            line = line.slice(0, -1);
            continue;
          }
          line += ch;
          if (echo) ctx.stderr.write(ch);
        }
      };
      tty.on('data', onData);
    });
  } finally {
    tty.setRawMode?.(false);
    tty.pause();
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer | string>) parts.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(parts).toString('utf8');
}

export const command: Command = {
  name: 'login',
  summary: 'Log in to a registry (credentials kept in the Docker config)',
  usage: 'tsbuild login [OPTIONS] [REGISTRY]',
  flags,
  async run(ctx, argv) {
    const args = parseArgs(argv, flags);
    if (args.positionals.length > 1) throw usageError('login takes at most one registry');
    const [{ registryFromLoginArg, endpointFor }, { RegistryClient }, { storeCredentials, loadCredentials }] = await Promise.all([
      import('../../image/registry/endpoint.js'),
      import('../../image/registry/client.js'),
      import('../../image/registry/credentials.js'),
    ]);
    const registry = registryFromLoginArg(args.positionals[0] ?? 'docker.io');
    let username = flagString(args, 'username');
    let password = flagString(args, 'password');
    if (flagBool(args, 'password-stdin')) {
      if (password !== undefined) throw usageError('--password and --password-stdin are mutually exclusive');
      if (!username) throw usageError('--password-stdin needs --username');
      password = (await readAll(ctx.stdin)).replace(/\r?\n$/, '');
    }
    if (username === undefined || password === undefined) {
      const saved = password === undefined ? await loadCredentials(ctx.env, registry) : undefined;
      if (saved && (username === undefined || saved.username === username)) {
        username = saved.username;
        password = saved.password;
      } else if ((ctx.stdin as TtyIn).isTTY) {
        // on a terminal, ask as docker login does: the user name echoed, the password not
        if (username === undefined) username = (await promptLine(ctx, `Username for ${registry}: `, true)).trim();
        if (username === '') throw usageError('the user name is empty');
        if (password === undefined) password = await promptLine(ctx, `Password for ${username}@${registry}: `, false);
      } else {
        throw usageError(`login to ${registry} needs a password and stdin is not a terminal to ask for one: use --username USER --password-stdin (e.g. printf %s "$PASSWORD" | tsbuild login -u USER --password-stdin ${registry})`);
      }
    }
    if (password === '') throw usageError('the password is empty');
    const creds = { username, password };
    const ep = endpointFor({ domain: registry, path: 'library/tsbuild-login' }, insecureOptions(args));
    await new RegistryClient(ep, { credentials: creds, actions: [] }).verifyLogin();
    const saved = await storeCredentials(ctx.env, registry, creds);
    ctx.stderr.write(saved.helper ? `Credentials saved by ${saved.helper} (credential helper named in ${saved.file})\n` : `Credentials saved in ${saved.file}\n`);
    ctx.stdout.write('Login Succeeded\n');
    return 0;
  },
};
