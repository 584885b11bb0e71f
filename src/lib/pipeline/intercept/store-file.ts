/**
 * Opens the interception store: root only, a file 0600 in a folder 0700, both owned by root. The catalog
 * module opens it (the one module that imports the SQLite driver), with the store's own application id and
 * schema; this module only decides whether the file may be created or opened.
 *
 * Contracts:
 * - Not root: refused before the file is touched (InterceptNotRoot).
 * - The folder or the file owned by someone else, or readable, writable or searchable by group or others,
 *   or a symbolic link: refused, nothing read (InterceptStoreInsecure); the hint gives the commands that
 *   fix it. The mail group must never read a warrant.
 * - Only `create` (bonnie intercept add) makes the folder and the file, with those modes whatever the
 *   umask; any other opener refuses a missing store (InterceptStoreMissing).
 */
import {chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, type Stats} from 'node:fs';
import {dirname} from 'node:path';
import {openCatalog, type Catalog} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';
import {INTERCEPT_APPLICATION_ID, INTERCEPT_SCHEMA} from './schema.js';

export interface OpenStoreOptions {
  /** Create the folder and the file when missing (bonnie intercept add). */
  create?: boolean;
  readOnly?: boolean;
  /** The effective uid; process.geteuid() by default (tests pass another to see the refusal). */
  uid?: number;
}

/** Opens (or creates) the store at `path`. Throws InterceptNotRoot, InterceptStoreInsecure, InterceptStoreMissing. */
export function openInterceptStore(path: string, options: OpenStoreOptions = {}): Catalog {
  requireRoot(options.uid);
  const folder = dirname(path);
  if (!existsSync(folder)) {
    if (options.create !== true) throw missing(path);
    mkdirSync(folder, {recursive: true, mode: 0o700});
    chmodSync(folder, 0o700);
  }
  checkSecure(folder, lstatSync(folder), 'folder', 0o700);
  if (!existsSync(path)) {
    if (options.create !== true) throw missing(path);
    // Made here, not by SQLite: its mode would follow the umask. 'wx': never over a file that appeared meanwhile.
    closeSync(openSync(path, 'wx', 0o600));
    chmodSync(path, 0o600);
  }
  checkSecure(path, lstatSync(path), 'file', 0o600);
  for (const companion of [`${path}-wal`, `${path}-shm`]) if (existsSync(companion)) checkSecure(companion, lstatSync(companion), 'file', 0o600);
  // SQLite gives the -wal and -shm files the database file's mode and owner.
  return openCatalog(path, {create: options.create === true, readOnly: options.readOnly === true, database: {applicationId: INTERCEPT_APPLICATION_ID, schema: INTERCEPT_SCHEMA}});
}

/**
 * What `bonnie doctor` says of the store, without opening it: absent (no warrant was ever recorded here),
 * secure (root's, 0700 and 0600), or what is wrong and the fix. A folder this user may not enter is as it
 * should be; its file is checked when doctor runs as root.
 */
export function inspectInterceptStore(path: string): {state: 'absent' | 'secure' | 'unchecked'} | {state: 'insecure'; message: string; hint: string} {
  const folder = dirname(path);
  try {
    if (!existsSync(folder)) return {state: 'absent'};
    checkSecure(folder, lstatSync(folder), 'folder', 0o700);
    let file;
    try {
      file = lstatSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES') return {state: 'unchecked'};
      if (code === 'ENOENT') return {state: 'absent'};
      throw error;
    }
    checkSecure(path, file, 'file', 0o600);
    for (const companion of [`${path}-wal`, `${path}-shm`]) if (existsSync(companion)) checkSecure(companion, lstatSync(companion), 'file', 0o600);
    return {state: 'secure'};
  } catch (error) {
    if (error instanceof BonnieError) return {state: 'insecure', message: error.message, hint: error.hint ?? ''};
    throw error;
  }
}

/** Throws InterceptNotRoot unless the effective uid (`uid`, default process.geteuid()) is 0. */
export function requireRoot(uid: number = process.geteuid?.() ?? -1): void {
  if (uid !== 0) {
    throw new BonnieError('InterceptNotRoot', 'bonnie intercept runs as root only', {
      hint: 'Run it as root (sudo bonnie intercept ...): warrants are kept in a file only root may read.',
    });
  }
}

function checkSecure(path: string, stats: Stats, kind: 'folder' | 'file', mode: number): void {
  const fix = `chown root:root ${path} && chmod ${mode.toString(8).padStart(4, '0')} ${path}`;
  const problem =
    stats.isSymbolicLink() ? 'is a symbolic link'
    : kind === 'folder' && !stats.isDirectory() ? 'is not a folder'
    : kind === 'file' && !stats.isFile() ? 'is not a regular file'
    : stats.uid !== 0 ? `is owned by uid ${stats.uid}, not root`
    : (stats.mode & 0o077) !== 0 ? `has mode ${(stats.mode & 0o7777).toString(8).padStart(4, '0')}: group or others may use it`
    : undefined;
  if (problem === undefined) return;
  throw new BonnieError('InterceptStoreInsecure', `the interception store's ${kind} ${path} ${problem}; it was not opened`, {
    hint: stats.isSymbolicLink() || (kind === 'folder' && !stats.isDirectory()) || (kind === 'file' && !stats.isFile())
      ? 'Point intercept_db (or BONNIE_INTERCEPT_DB) at a file of its own in a folder only root may enter.'
      : `Only root may read warrants: ${fix} (and check who could read it meanwhile).`,
  });
}

function missing(path: string): BonnieError {
  return new BonnieError('InterceptStoreMissing', `no interception store at ${path}`, {
    hint: 'The first "bonnie intercept add" creates it; check intercept_db (or BONNIE_INTERCEPT_DB) if warrants exist.',
  });
}
