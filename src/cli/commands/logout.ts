import { parseArgs } from '../args.js';
import type { Command } from '../command.js';
import { usageError } from '../../errors.js';

export const command: Command = {
  name: 'logout',
  summary: 'Log out from a registry (removes its Docker config credentials)',
  usage: 'tsbuild logout [REGISTRY]',
  flags: [],
  async run(ctx, argv) {
    const args = parseArgs(argv, []);
    if (args.positionals.length > 1) throw usageError('logout takes at most one registry');
    const [{ registryFromLoginArg }, { storeCredentials }] = await Promise.all([import('../../image/registry/endpoint.js'), import('../../image/registry/credentials.js')]);
    const registry = registryFromLoginArg(args.positionals[0] ?? 'docker.io');
    const { changed, file, helper } = await storeCredentials(ctx.env, registry, undefined);
    ctx.stdout.write(changed ? `Removed login credentials for ${registry} from ${helper ? `${helper} and ` : ''}${file}\n` : `Not logged in to ${registry}\n`);
    return 0;
  },
};
