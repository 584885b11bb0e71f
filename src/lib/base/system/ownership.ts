/**
 * Who owns what bonnie creates. The catalog's owner (cyrus) writes the catalog, the archive, the spill
 * folder and the capture journal; its group (mail) reads them. Root may run any command: a file or folder
 * root creates there is given the owner and group of a reference (the catalog, or the folder it is made in),
 * so that the next run as cyrus can still write it. Without that, one `sudo bonnie archive` leaves
 * `root:root` segments that make the collector fail with EACCES.
 *
 * Cheap by design (the capture journal's worker thread calls it): nothing happens unless the process runs
 * as root, and each reference is stat'ed once per process.
 */
import {chownSync, statSync} from 'node:fs';
import {userInfo} from 'node:os';
import {basename, dirname} from 'node:path';
import {BonnieError, EXIT, errorMessage} from '../errors.js';
import {nameOfGroup, nameOfUser} from './accounts.js';

export interface Owner {
  uid: number;
  gid: number;
}

const references = new Map<string, Owner | null>();

/**
 * The owner a file created now should get: the reference's uid:gid when this process runs as root and
 * the reference exists and is not root's; undefined otherwise (nothing to change).
 */
export function ownerToAdopt(reference: string): Owner | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let owner = references.get(reference);
  if (owner === undefined) {
    try {
      const stats = statSync(reference);
      owner = stats.uid === 0 && stats.gid === 0 ? null : {uid: stats.uid, gid: stats.gid};
    } catch (error) {
      // No reference yet (init has not run): root's files stay root's, as they would without bonnie.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    references.set(reference, owner);
  }
  return owner ?? undefined;
}

/**
 * Gives `path`, just created by this process, the owner and group of `reference` (a path, or an owner
 * already looked up) when running as root. Does nothing for other users: their files are theirs.
 */
export function adoptOwnership(path: string, reference: string | Owner | undefined): void {
  const owner = typeof reference === 'string' ? ownerToAdopt(reference) : reference;
  if (owner !== undefined) chownSync(path, owner.uid, owner.gid);
}

/** `mkdirSync(..., {recursive: true})` returns the first folder it created: adopts it and those below, down to `leaf`. */
export function adoptCreatedFolders(first: string | undefined, leaf: string, reference: string | Owner | undefined): void {
  if (first === undefined) return;
  const owner = typeof reference === 'string' ? ownerToAdopt(reference) : reference;
  if (owner === undefined) return;
  for (let folder = leaf; folder.length >= first.length; folder = dirname(folder)) {
    chownSync(folder, owner.uid, owner.gid);
    if (folder === first || dirname(folder) === folder) break;
  }
}

/** True for the errors a wrong owner or mode gives (EACCES, EPERM). */
export function isPermissionDenied(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/**
 * The BonnieError (code `PermissionDenied`, exit 1) for an EACCES or EPERM on `path`: it names the file
 * (or the nearest folder above it that can be seen), its owner and mode, the user this process runs as,
 * and the command that gives the files back to the catalog's owner (`reference`, when known).
 */
export function permissionDenied(what: string, path: string, error: unknown, reference?: string): BonnieError {
  const me = currentUser();
  const seen = describeNearest(path);
  const owner = reference === undefined ? undefined : describeOwner(reference);
  const giveTo = owner?.names ?? 'cyrus:mail';
  const toWhom = owner?.user ?? giveTo.split(':')[0];
  const message = `cannot ${what} ${path}: permission denied (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}); ${seen} and bonnie runs as ${me}`;
  return new BonnieError('PermissionDenied', message, {
    exit: EXIT.failure,
    cause: error,
    hint: `Run "sudo bonnie init --owner ${giveTo}" to give the catalog, archive, spill and journal back to ${toWhom}, then run bonnie as ${toWhom} (e.g. "sudo -u ${toWhom} bonnie ...").`,
  });
}

/** `segment 0a1b....tar is owned by root:root (mode 0750)` for the path or the nearest folder above it that can be stat'ed. */
function describeNearest(path: string): string {
  for (let current = path; ; current = dirname(current)) {
    try {
      const stats = statSync(current);
      const names = `${nameOfUser(stats.uid) ?? stats.uid}:${nameOfGroup(stats.gid) ?? stats.gid}`;
      const mode = (stats.mode & 0o7777).toString(8).padStart(4, '0');
      return `${current === path ? basename(path) : `${current}/`} is owned by ${names} (mode ${mode})`;
    } catch {
      if (dirname(current) === current) return `${path} cannot be inspected`;
    }
  }
}

function describeOwner(reference: string): {names: string; user: string} | undefined {
  try {
    const stats = statSync(reference);
    if (stats.uid === 0) return undefined;
    const user = nameOfUser(stats.uid) ?? String(stats.uid);
    return {names: `${user}:${nameOfGroup(stats.gid) ?? stats.gid}`, user};
  } catch {
    return undefined;
  }
}

function currentUser(): string {
  try {
    return `${userInfo().username} (uid ${process.getuid?.()})`;
  } catch {
    return `uid ${process.getuid?.()}`;
  }
}
