/**
 * The export's destination, and the files in it. An export never overwrites anything: the destination
 * folder must be new or empty (the .tar.zst file new), and every file is created with O_EXCL. Mail is
 * private: files are created 0640, folders 0750 (less with a stricter umask).
 */
import {closeSync, futimesSync, lstatSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {BonnieError, EXIT, errorMessage} from '../../base/errors.js';

/** Permissions of the files an export creates. */
export const EXPORT_FILE_MODE = 0o640;
/** Permissions of the folders an export creates. */
export const EXPORT_FOLDER_MODE = 0o750;

/**
 * Creates the folder `out` (its parent must exist) or checks it is empty. Throws ExportOutExists otherwise,
 * and ExportOutInvalid for a symbolic link: the export would land wherever the link points (a link
 * planted in a shared folder could send a user's mail into someone else's), so `out` must be the folder.
 */
export function prepareOutFolder(out: string): void {
  let isFolder: boolean;
  try {
    if (lstatSync(out).isSymbolicLink()) {
      throw new BonnieError('ExportOutInvalid', `--out ${out} is a symbolic link`, {exit: EXIT.usage, hint: 'Give --out the folder itself (realpath shows where the link points), or a new path.'});
    }
    isFolder = statSync(out).isDirectory();
  } catch (error) {
    if (error instanceof BonnieError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw outUnusable(out, error);
    checkParent(out);
    try {
      mkdirSync(out, {mode: EXPORT_FOLDER_MODE});
    } catch (cause) {
      throw outUnusable(out, cause);
    }
    return;
  }
  if (!isFolder) throw outExists(out, 'exists and is not a folder', 'Give --out a new path, or an empty folder.');
  if (readdirSync(out).length > 0) throw outExists(out, 'is a folder that is not empty', 'Give --out a new path, or an empty folder: an export never overwrites or mixes with other files.');
}

/** Checks that the file `out` does not exist (not even as a dangling link) and that its folder does. */
export function checkOutFile(out: string): void {
  try {
    lstatSync(out);
    throw outExists(out, 'exists', 'Give --out a new file name: an export never overwrites a file.');
  } catch (error) {
    if (error instanceof BonnieError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw outUnusable(out, error);
  }
  checkParent(out);
}

function checkParent(out: string): void {
  let parentIsFolder = false;
  try {
    parentIsFolder = statSync(dirname(out)).isDirectory();
  } catch {
    // Reported below.
  }
  if (!parentIsFolder) {
    throw new BonnieError('ExportOutInvalid', `--out ${out}: the folder ${dirname(out)} does not exist`, {exit: EXIT.usage, hint: 'Create the folder first, or choose another --out.'});
  }
}

/**
 * Creates the folder `relative` (`/`-separated) under `root` and its missing parents, 0750, one level at a
 * time: Node's recursive mkdir loops forever where mkdir answers ENOENT under an existing parent (/proc).
 */
export function mkdirUnder(root: string, relative: string): void {
  let path = root;
  for (const part of relative.split('/')) {
    path = join(path, part);
    try {
      mkdirSync(path, {mode: EXPORT_FOLDER_MODE});
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new BonnieError('ExportWriteFailed', `cannot create ${path}: ${errorMessage(error)}`, {cause: error, hint: 'Check the free space and the permissions of --out.'});
      }
    }
  }
}

/** Writes a new file (never replacing one) 0640, with `mtime` (ms) as its modification time when given. */
export function writeNewFile(path: string, chunks: readonly Uint8Array[], mtime?: number): void {
  const fd = openFile(path);
  try {
    for (const chunk of chunks) writeChunk(fd, chunk, path);
    if (mtime !== undefined) futimesSync(fd, mtime / 1000, mtime / 1000);
  } finally {
    closeSync(fd);
  }
}

/** Appends `chunk` to the open file `fd` (at `path`); a failure (disk full) is ExportWriteFailed. */
export function writeChunk(fd: number, chunk: Uint8Array, path: string): void {
  try {
    writeFileSync(fd, chunk);
  } catch (error) {
    throw new BonnieError('ExportWriteFailed', `cannot write ${path}: ${errorMessage(error)}`, {cause: error, hint: 'Check the free space and the permissions of --out.'});
  }
}

/** Opens a new file (O_EXCL) for writing, 0640. */
export function openFile(path: string): number {
  try {
    return openSync(path, 'wx', EXPORT_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw outExists(path, 'appeared while exporting', 'Something else writes to --out; export again to a new path.');
    throw new BonnieError('ExportWriteFailed', `cannot create ${path}: ${errorMessage(error)}`, {cause: error, hint: 'Check the free space and the permissions of --out.'});
  }
}

/** `path` joined under `root` (`/`-separated relative paths, as the layout makes them). */
export function under(root: string, relative: string): string {
  return join(root, ...relative.split('/'));
}

function outExists(out: string, what: string, hint: string): BonnieError {
  return new BonnieError('ExportOutExists', `--out ${out} ${what}`, {exit: EXIT.usage, hint});
}

function outUnusable(out: string, error: unknown): BonnieError {
  return new BonnieError('ExportOutInvalid', `--out ${out} cannot be used: ${errorMessage(error)}`, {exit: EXIT.usage, cause: error, hint: 'Choose a path you may write to.'});
}
