/**
 * `bonnie init`: creates the catalog and the folders beside it with modes that keep mail data private,
 * optionally owned by the user the dealer runs as (cyrus:mail on Debian).
 *
 * The permission model: the owner (cyrus) writes; its group (mail) reads, read-only. The catalog, its
 * `-wal` and `-shm` files are 0640 and the folders 0750: a reader cannot create files beside the catalog,
 * so init leaves the `-wal` and `-shm` files in place (writers keep them, see catalog.ts) with the
 * catalog's owner and mode.
 */
import {chmodSync, chownSync, existsSync, mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {BonnieError, EXIT} from '../errors.js';
import type {Settings} from '../config/settings.js';
import {lookUpGroup, lookUpUser} from '../system/accounts.js';
import {openCatalog} from './catalog.js';

export interface InitResult {
  catalog: string;
  created: boolean;
  schemaVersion: number;
  folders: string[];
  owner: string | null;
}

/** Creates (or upgrades) the catalog and its folders. `owner` is `user` or `user:group`. */
export function initCatalog(settings: Settings, owner?: string): InitResult {
  const ids = owner === undefined ? undefined : resolveOwner(owner);
  const created = !existsSync(settings.catalog);
  const folders = [dirname(settings.catalog), settings.spill, settings.archive];
  for (const folder of folders) mkdirSync(folder, {recursive: true, mode: 0o750});
  const catalog = openCatalog(settings.catalog, {create: true});
  const schemaVersion = catalog.schemaVersion;
  catalog.close();
  const files = [settings.catalog, `${settings.catalog}-wal`, `${settings.catalog}-shm`];
  for (const path of files) if (existsSync(path)) chmodSync(path, 0o640);
  if (ids !== undefined) {
    for (const path of [...folders, ...files]) {
      if (existsSync(path)) chownSync(path, ids.uid, ids.gid);
    }
  }
  return {catalog: settings.catalog, created, schemaVersion, folders, owner: owner ?? null};
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
