// --chown USER[:GROUP] → uid/gid, names looked up in the destination
// stage's /etc/passwd and /etc/group as they are at that step. A user
// without a group uses the user's numeric id as the gid, as Docker's
// documentation says. Pure.
import { parseGroup, parsePasswd } from '../../runtime/user.js';

export class ChownError extends Error {}

export function resolveChown(spec: string, passwd: string | undefined, group: string | undefined): { uid: number; gid: number } {
  const [u = '', g] = spec.split(':', 2);
  const num = /^\d+$/;
  let uid: number;
  if (num.test(u)) uid = Number(u);
  else {
    const e = parsePasswd(passwd ?? '').find((p) => p.name === u);
    if (!e) throw new ChownError(`--chown ${spec}: no user '${u}' in the stage's /etc/passwd${passwd === undefined ? ' (the file is missing)' : ''}`);
    uid = e.uid;
  }
  if (g === undefined || g === '') return { uid, gid: uid };
  if (num.test(g)) return { uid, gid: Number(g) };
  const ge = parseGroup(group ?? '').find((x) => x.name === g);
  if (!ge) throw new ChownError(`--chown ${spec}: no group '${g}' in the stage's /etc/group${group === undefined ? ' (the file is missing)' : ''}`);
  return { uid, gid: ge.gid };
}
