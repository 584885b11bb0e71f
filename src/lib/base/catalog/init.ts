/**
 * `bonnie init`: creates the catalog and the folders beside it with modes that keep mail data private,
 * optionally owned by the user the dealer runs as (cyrus:mail on Debian).
 *
 * The permission model: the owner (cyrus) writes; its group (mail) reads, read-only. The catalog, its
 * `-wal` and `-shm` files are 0640 and the folders 0750: a reader cannot create files beside the catalog,
 * so init leaves the `-wal` and `-shm` files in place (writers keep them, see catalog.ts) with the
 * catalog's owner and mode.
 *
 * Root may run any command; what it creates there gets the catalog's owner (system/ownership.ts). Files
 * root left behind all the same (an older bonnie, a copy) are repaired by `init --owner`: the catalog, its
 * `-wal` and `-shm`, the archive tree, the spill folder and the journal get that owner, folders 0750 and
 * files 0640, and the result lists each change. Run as root without --owner, init gives them the existing
 * catalog's owner.
 */
import {chmodSync, chownSync, existsSync, mkdirSync, statSync} from 'node:fs';
import {dirname} from 'node:path';
import {BonnieError, EXIT} from '../errors.js';
import type {Settings} from '../config/settings.js';
import {lookUpGroup, lookUpUser} from '../system/accounts.js';
import {ownerToAdopt} from '../system/ownership.js';
import {describeOwnership, repairTree, type OwnershipChange} from '../system/repair-tree.js';
import {openCatalog} from './catalog.js';

export interface InitResult {
  catalog: string;
  created: boolean;
  schemaVersion: number;
  folders: string[];
  owner: string | null;
  /** Files and folders whose owner or mode init changed, in the order it met them. */
  changed: OwnershipChange[];
  /** Whether the capture reserve (`<spill>/.reserve`, room for events when the disk is full) is in place. */
  reserve: boolean;
}

/**
 * Creates (or upgrades) the catalog and its folders. `owner` is `user` or `user:group`. `prepare` runs once
 * the folders exist and before their owner is repaired, so that what it creates gets the owner too (the
 * init command makes capture's reserve there: the catalog does not know capture); it says whether the
 * reserve is in place.
 */
export function initCatalog(settings: Settings, owner?: string, prepare: () => boolean = () => false): InitResult {
  const ids = owner === undefined ? undefined : resolveOwner(owner);
  const created = !existsSync(settings.catalog);
  const folders = [dirname(settings.catalog), settings.spill, settings.archive];
  for (const folder of folders) mkdirSync(folder, {recursive: true, mode: 0o750});
  const catalog = openCatalog(settings.catalog, {create: true});
  const schemaVersion = catalog.schemaVersion;
  catalog.close();
  const reserve = prepare();
  const files = [settings.catalog, `${settings.catalog}-wal`, `${settings.catalog}-shm`];
  const changed: OwnershipChange[] = [];
  const target = ids ?? ownerToAdopt(settings.catalog);
  if (target === undefined && process.getuid?.() !== 0) {
    // Not root and no owner to give: the user's own files get their modes; others' are not theirs to change.
    for (const path of files) if (existsSync(path)) chmodSync(path, 0o640);
    return {catalog: settings.catalog, created, schemaVersion, folders, owner: owner ?? null, changed, reserve};
  }
  // The catalog's folder may hold more than bonnie's files: its owner changes, never its mode nor what is in it.
  const home = dirname(settings.catalog);
  if (target !== undefined && existsSync(home)) {
    const before = statSync(home);
    if (before.uid !== target.uid || before.gid !== target.gid) {
      chownSync(home, target.uid, target.gid);
      const mode = before.mode & 0o7777;
      changed.push({path: home, from: describeOwnership(before.uid, before.gid, mode), to: describeOwnership(target.uid, target.gid, mode)});
    }
  }
  for (const path of files) repairTree(path, target, changed, false);
  repairTree(settings.archive, target, changed);
  repairTree(settings.spill, target, changed);
  return {catalog: settings.catalog, created, schemaVersion, folders, owner: owner ?? null, changed, reserve};
}

function resolveOwner(owner: string): {uid: number; gid: number} {
  const [userName, groupName] = owner.split(':') as [string, string | undefined];
  const user = lookUpUser(userName);
  const gid = groupName === undefined ? user?.gid : lookUpGroup(groupName);
  if (user === undefined || gid === undefined) {
    throw new BonnieError('OwnerUnknown', `no such user or group: ${owner}`, {exit: EXIT.usage, hint: 'Give an existing user, or user:group (e.g. cyrus:mail).'});
  }
  return {uid: user.uid, gid};
}
