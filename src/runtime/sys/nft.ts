// nft(8) from nftables: pure argv builders plus one call. Rulesets are
// passed as nft's own language on stdin (`nft -f -`), never through a shell.
import { execTool, type ExecResult } from './exec.js';

export function nftListTableArgv(family: string, table: string): string[] {
  return ['list', 'table', family, table];
}

export function nftDeleteTableArgv(family: string, table: string): string[] {
  return ['delete', 'table', family, table];
}

export const NFT_FILE_ARGV: readonly string[] = ['-f', '-'];

export async function nft(argv: readonly string[], input?: string): Promise<ExecResult> {
  return execTool('nft', argv, input !== undefined ? { input } : {});
}

/** the table's text, or undefined when it does not exist */
export async function nftListTable(family: string, table: string): Promise<string | undefined> {
  const r = await execTool('nft', nftListTableArgv(family, table), { allowFailure: true });
  return r.exitCode === 0 ? r.stdout : undefined;
}
