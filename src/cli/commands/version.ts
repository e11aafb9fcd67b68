import type { Command } from '../command.js';
import { version } from '../version.js';

export const command: Command = {
  name: 'version',
  summary: 'Show the tsbuild version',
  usage: 'tsbuild version',
  flags: [],
  async run(ctx) {
    ctx.stdout.write(`tsbuild ${version}\n`);
    return 0;
  },
};
