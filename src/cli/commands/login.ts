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
      const saved = await loadCredentials(ctx.env, registry);
      if (!saved || (username !== undefined && saved.username !== username)) throw usageError('login needs --username and a password (--password-stdin)');
      username = saved.username;
      password = saved.password;
    }
    if (password === '') throw usageError('the password is empty');
    const creds = { username, password };
    const ep = endpointFor({ domain: registry, path: 'library/tsbuild-login' }, insecureOptions(args));
    await new RegistryClient(ep, { credentials: creds, actions: [] }).verifyLogin();
    const { file } = await storeCredentials(ctx.env, registry, creds);
    ctx.stderr.write(`Credentials saved in ${file}\n`);
    ctx.stdout.write('Login Succeeded\n');
    return 0;
  },
};
