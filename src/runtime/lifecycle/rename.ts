// `rename`: the new name is reserved first (O_EXCL, state.ts), recorded in
// the life-cycle record (or state.json for a container without one), then
// the old name is released.
import { TsbuildError, usageError } from '../../errors.js';
import { nameOwner, releaseName, reserveName, writeState } from '../state.js';
import type { ContainerView } from './lookup.js';
import { updateRecord } from './record.js';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export async function renameContainer(root: string, v: ContainerView, name: string): Promise<void> {
  if (!NAME.test(name)) throw usageError(`invalid container name ${JSON.stringify(name)} (only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed)`);
  const old = v.record?.name ?? v.state.name;
  if (old === name) throw usageError(`the container is already named ${name}`);
  if (!(await reserveName(root, name, v.id))) {
    throw new TsbuildError('usage', 'NAME_IN_USE', `the container name "${name}" is already in use by container ${(await nameOwner(root, name))?.slice(0, 12)}`);
  }
  if (v.record) updateRecord(v.dir, { name });
  else await writeState(v.dir, { ...v.state, name });
  if (old && (await nameOwner(root, old)) === v.id) await releaseName(root, old);
}
