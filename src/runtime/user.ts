// Resolves `-u name|uid[:group|gid]` against the image's /etc/passwd and
// /etc/group texts, with runc's rules (libcontainer/user): a numeric uid
// that has no entry is used as is (gid 0, HOME /); a name must exist;
// supplementary groups come from /etc/group only when the group is implicit.
import { TsbuildError } from '../errors.js';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** supplementary groups (setgroups) */
  additionalGids: number[];
  home: string;
  /** the name, when the passwd file knows the user */
  name: string | undefined;
}

const ID_RE = /^\d+$/;
const MAX_ID = 2 ** 32 - 2;

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 7 || !ID_RE.test(f[2] as string) || !ID_RE.test(f[3] as string)) continue;
    out.push({ name: f[0] as string, uid: Number(f[2]), gid: Number(f[3]), home: f[5] as string });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4 || !ID_RE.test(f[2] as string)) continue;
    out.push({ name: f[0] as string, gid: Number(f[2]), members: (f[3] as string).split(',').map((m) => m.trim()).filter((m) => m !== '') });
  }
  return out;
}

function userError(spec: string, message: string): TsbuildError {
  return new TsbuildError('runtime', 'USER_NOT_FOUND', `user ${JSON.stringify(spec)}: ${message}`);
}

function numericId(spec: string, what: string, v: string): number {
  const n = Number(v);
  if (n > MAX_ID) throw userError(spec, `${what} ${v} is out of range`);
  return n;
}

/**
 * @param spec  USER[:GROUP], '' means root (the image's default)
 * @param passwd the image's /etc/passwd text, undefined when the file is missing
 * @param group  the image's /etc/group text, undefined when the file is missing
 * @param owner  whose files they are, in messages ('container' for exec)
 */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined, owner: 'image' | 'container' = 'image'): ResolvedUser {
  const [userPart = '', groupPart] = spec === '' ? ['0'] : spec.split(':', 2);
  const users = passwd === undefined ? [] : parsePasswd(passwd);
  const groups = group === undefined ? [] : parseGroup(group);

  let uid: number;
  let gid = 0;
  let home = '/';
  let name: string | undefined;
  const isNum = ID_RE.test(userPart);
  const entry = users.find((u) => (isNum ? u.uid === Number(userPart) : u.name === userPart));
  if (entry) {
    ({ uid, gid, home, name } = entry);
  } else if (isNum) {
    uid = numericId(spec, 'uid', userPart);
  } else if (passwd === undefined) {
    throw userError(spec, `the ${owner} has no /etc/passwd to look the name up in`);
  } else {
    throw userError(spec, `no matching entries in the ${owner}'s /etc/passwd`);
  }

  let additionalGids: number[] = [];
  if (groupPart !== undefined && groupPart !== '') {
    if (ID_RE.test(groupPart)) gid = numericId(spec, 'gid', groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw userError(spec, group === undefined ? `the ${owner} has no /etc/group to look the group up in` : `no group ${JSON.stringify(groupPart)} in the ${owner}'s /etc/group`);
      gid = g.gid;
    }
  } else if (name !== undefined) {
    additionalGids = [...new Set(groups.filter((g) => g.members.includes(name as string)).map((g) => g.gid))];
  }
  return { uid, gid, additionalGids, home, name };
}
