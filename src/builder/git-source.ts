// ADD of a git repository (BuildKit's rules for what is one: git://, ssh://,
// git@host:path, or an http(s) URL whose path ends in .git; an optional
// #REF:SUBDIR fragment). Keyed by the commit the ref resolves to (git
// ls-remote before planning), as BuildKit does; checked out at that commit
// into a temp dir when the step runs, the .git folder kept only with
// --keep-git-dir (git-checkout.ts does that). Pure.

export interface GitSource {
  /** the repository URL without the fragment */
  remote: string;
  /** branch, tag or commit; undefined: the remote's HEAD */
  ref?: string;
  /** a folder inside the repository to copy instead of its root */
  subdir?: string;
}

/** Pure: the git source named by an ADD source, or undefined when it is not one. */
export function parseGitSource(src: string): GitSource | undefined {
  const hash = src.indexOf('#');
  const remote = hash < 0 ? src : src.slice(0, hash);
  const fragment = hash < 0 ? '' : src.slice(hash + 1);
  let isGit = /^(git|ssh|git\+ssh):\/\/./.test(remote) || /^[\w.-]+@[\w.-]+:./.test(remote);
  if (!isGit && /^https?:\/\//.test(remote)) {
    try {
      isGit = new URL(remote).pathname.endsWith('.git');
    } catch {
      isGit = false;
    }
  }
  if (!isGit) return undefined;
  const colon = fragment.indexOf(':');
  const ref = colon < 0 ? fragment : fragment.slice(0, colon);
  const subdir = colon < 0 ? '' : fragment.slice(colon + 1);
  return { remote, ...(ref ? { ref } : {}), ...(subdir ? { subdir } : {}) };
}

/** the text shown and keyed for a git source: remote#ref:subdir */
export function gitSourceId(g: GitSource): string {
  return `${g.remote}#${g.ref ?? ''}${g.subdir ? `:${g.subdir}` : ''}`;
}

/** Pure: the commit a ref names in `git ls-remote` output (branch, then peeled tag, then tag, then any). */
export function pickCommit(lsRemote: string, ref: string | undefined): string | undefined {
  const rows = lsRemote
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((r): r is [string, string] => r.length === 2 && /^[0-9a-f]{40}$/.test(r[0] as string));
  const find = (name: string) => rows.find((r) => r[1] === name)?.[0];
  if (ref === undefined) return find('HEAD');
  if (/^[0-9a-f]{40}$/.test(ref)) return ref;
  return find(`refs/heads/${ref}`) ?? find(`refs/tags/${ref}^{}`) ?? find(`refs/tags/${ref}`) ?? find(ref) ?? rows.find((r) => r[1].endsWith(`/${ref}`))?.[0];
}
