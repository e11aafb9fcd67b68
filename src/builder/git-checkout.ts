// The I/O half of ADD <git repository> (git-source.ts says what one is):
// `git ls-remote` for the commit a ref names before planning, a checkout of
// that commit when the step runs. Needs the `git` command (Debian: apt-get
// install git).
import { lstat, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { formatPosition, type SourceRange, TsbuildError } from '../errors.js';
import { execTool } from '../runtime/sys/exec.js';
import { gitSourceId, pickCommit, type GitSource } from './git-source.js';

// git never prompts (a build has no terminal to answer on); what reaches a remote
// (proxies, the ssh agent or command) comes from the caller's environment
const passed = ['PATH', 'HOME', 'SSH_AUTH_SOCK', 'GIT_SSH_COMMAND', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];
const gitEnv = (): Record<string, string | undefined> => ({
  ...Object.fromEntries(passed.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]])),
  GIT_TERMINAL_PROMPT: '0',
  GIT_CONFIG_NOSYSTEM: '1',
});

function gitError(where: SourceRange | undefined, g: GitSource, message: string, cause?: unknown): TsbuildError {
  const at = where ? `${formatPosition(where)}: ` : '';
  return new TsbuildError('build', 'ADD_GIT', `${at}ADD ${gitSourceId(g)}: ${message}`, { ...(where ? { ranges: [where] } : {}), cause });
}

/** The commit the source's ref names now (asks the remote). */
export async function resolveGitCommit(g: GitSource, where?: SourceRange): Promise<string> {
  let out: string;
  try {
    out = (await execTool('git', ['ls-remote', '--', g.remote], { env: gitEnv(), timeoutMs: 120_000 })).stdout;
  } catch (err) {
    throw gitError(where, g, `git ls-remote failed: ${(err as Error).message}`, err);
  }
  const commit = pickCommit(out, g.ref);
  if (!commit) throw gitError(where, g, `the repository has no ${g.ref === undefined ? 'HEAD' : `ref '${g.ref}'`}`);
  return commit;
}

/**
 * Checks the commit out into `dir` (created by git) and returns the folder
 * to copy: the checkout or its subdir. The .git folder is removed unless
 * keepGitDir.
 */
export async function checkoutGit(g: GitSource, commit: string, dir: string, keepGitDir: boolean): Promise<string> {
  const git = (argv: string[]) => execTool('git', argv, { env: gitEnv(), timeoutMs: 600_000 });
  try {
    await git(['init', '-q', dir]);
    // a shallow fetch of the ref; a commit id (or a ref that moved) falls back to a full fetch
    const name = g.ref ?? 'HEAD';
    const shallow = await execTool('git', ['-C', dir, 'fetch', '-q', '--depth', '1', '--', g.remote, name], { env: gitEnv(), timeoutMs: 600_000, allowFailure: true });
    const got = shallow.exitCode === 0 ? (await git(['-C', dir, 'rev-parse', 'FETCH_HEAD^{commit}'])).stdout.trim() : '';
    if (got !== commit) await git(['-C', dir, 'fetch', '-q', '--', g.remote, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*']);
    await git(['-C', dir, '-c', 'advice.detachedHead=false', 'checkout', '-q', '--detach', commit]);
  } catch (err) {
    throw gitError(undefined, g, `cannot check out ${commit}: ${(err as Error).message}`, err);
  }
  if (!keepGitDir) {
    await rm(path.join(dir, '.git'), { recursive: true, force: true });
  }
  if (!g.subdir) return dir;
  const sub = path.resolve(dir, g.subdir.replace(/^\/+/, ''));
  if (sub !== dir && !sub.startsWith(`${dir}/`)) throw gitError(undefined, g, `the subdir ${g.subdir} leaves the repository`);
  const st = await lstat(sub).catch(() => undefined);
  if (!st?.isDirectory()) throw gitError(undefined, g, `the repository has no folder ${g.subdir} at ${commit}`);
  // a symlink on the way must not lead out of the checkout
  const [realSub, realDir] = await Promise.all([realpath(sub), realpath(dir)]);
  if (realSub !== realDir && !realSub.startsWith(`${realDir}/`)) throw gitError(undefined, g, `the subdir ${g.subdir} leaves the repository`);
  return realSub;
}
