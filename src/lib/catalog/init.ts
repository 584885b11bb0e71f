/**
 * `bonnie init`: creates the catalog and the folders beside it with modes that keep mail data private,
 * optionally owned by the user the dealer runs as (cyrus:mail on Debian).
 */
import {execFileSync} from 'node:child_process';
import {chmodSync, chownSync, existsSync, mkdirSync} from 'node:fs';
import {dirname} from 'node:path';
import {BonnieError, EXIT} from '../errors.js';
import type {Settings} from '../config/settings.js';
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
  chmodSync(settings.catalog, 0o640);
  if (ids !== undefined) {
    for (const path of [...folders, settings.catalog, `${settings.catalog}-wal`, `${settings.catalog}-shm`]) {
      if (existsSync(path)) chownSync(path, ids.uid, ids.gid);
    }
  }
  return {catalog: settings.catalog, created, schemaVersion, folders, owner: owner ?? null};
}

function resolveOwner(owner: string): {uid: number; gid: number} {
  const [user, group] = owner.split(':') as [string, string | undefined];
  try {
    const uid = Number(run('id', ['-u', user]));
    const gid = Number(group === undefined ? run('id', ['-g', user]) : run('getent', ['group', group]).split(':')[2]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('not a number');
    return {uid, gid};
  } catch {
    throw new BonnieError('OwnerUnknown', `no such user or group: ${owner}`, {exit: EXIT.usage, hint: 'Give an existing user, or user:group (e.g. cyrus:mail).'});
  }
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim();
}
