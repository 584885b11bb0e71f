/**
 * Gives a tree of bonnie's files one owner and the modes of the permission model (folders 0750, files
 * 0640): what `bonnie init --owner` does to the catalog, the archive, the spill folder and the journal
 * after root left files of its own there.
 *
 * Root walks folders the catalog's owner may write: a symbolic link put there must not make root chown or
 * chmod what it points to. Each entry is opened with O_NOFOLLOW and changed through its descriptor
 * (fchown, fchmod), so a link swapped in after the listing is refused, never followed; links, sockets and
 * other special files are left alone.
 */
import {closeSync, constants, fchmodSync, fchownSync, fstatSync, openSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import type {Owner} from './ownership.js';
import {nameOfGroup, nameOfUser} from './accounts.js';

export const FOLDER_MODE = 0o750;
export const FILE_MODE = 0o640;

/** One file or folder whose owner or mode was changed. */
export interface OwnershipChange {
  path: string;
  /** What it was: `root:root 0750`. */
  from: string;
  /** What it is now: `cyrus:mail 0640`. */
  to: string;
}

/**
 * Sets owner (when given) and mode of `root` and, unless `recursive` is false, everything below it; adds
 * what changed to `changes` and returns it. A path that does not exist changes nothing.
 */
export function repairTree(root: string, owner: Owner | undefined, changes: OwnershipChange[] = [], recursive = true): OwnershipChange[] {
  let fd: number;
  try {
    fd = openSync(root, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOENT: nothing there; ELOOP: a symbolic link, not followed.
    if (code === 'ENOENT' || code === 'ELOOP') return changes;
    throw error;
  }
  let folder = false;
  try {
    const stats = fstatSync(fd);
    folder = stats.isDirectory();
    if (!folder && !stats.isFile()) return changes;
    const mode = folder ? FOLDER_MODE : FILE_MODE;
    const uid = owner?.uid ?? stats.uid;
    const gid = owner?.gid ?? stats.gid;
    const oldMode = stats.mode & 0o7777;
    if (stats.uid === uid && stats.gid === gid && oldMode === mode) {
      // Nothing to change here.
    } else {
      if (stats.uid !== uid || stats.gid !== gid) fchownSync(fd, uid, gid);
      if (oldMode !== mode) fchmodSync(fd, mode);
      changes.push({path: root, from: describeOwnership(stats.uid, stats.gid, oldMode), to: describeOwnership(uid, gid, mode)});
    }
  } finally {
    closeSync(fd);
  }
  if (folder && recursive) for (const name of readdirSync(root).sort()) repairTree(join(root, name), owner, changes);
  return changes;
}

const names = new Map<string, string>();

/** `cyrus:mail 0640`: owner and group by name (their number when unknown) and the mode in octal. */
export function describeOwnership(uid: number, gid: number, mode: number): string {
  const key = `${uid}:${gid}`;
  let owner = names.get(key);
  if (owner === undefined) {
    owner = `${nameOfUser(uid) ?? uid}:${nameOfGroup(gid) ?? gid}`;
    names.set(key, owner);
  }
  return `${owner} ${mode.toString(8).padStart(4, '0')}`;
}
