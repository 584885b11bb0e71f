/**
 * The archive's version file (archive format 2, docs/FORMAT.md): `<archive>/bonnie-archive.json`, a JSON
 * object `{"format": 2, "createdAt": "<ISO 8601>", "note": "..."}`, 0640. The archive folder says by itself
 * which format it is in, without the catalog: a reader or writer that finds a format it does not know
 * refuses it (ArchiveFormatUnknown) before reading or writing anything. No file: a format 1 archive (written
 * before the file existed), readable; the first writer of format 2 writes the file.
 */
import {closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {fsyncFolder, removeIfPresent} from '../../base/system/files.js';
import {adoptCreatedFolders, adoptOwnership, isPermissionDenied, permissionDenied} from '../../base/system/ownership.js';
import {ARCHIVE_FORMAT_VERSION, READABLE_ARCHIVE_FORMATS} from './index/repository.js';

/** The version file's name, in the archive folder. */
export const ARCHIVE_VERSION_FILE = 'bonnie-archive.json';

/**
 * The archive's format as its version file says: 1 when there is none (an archive of format 1, or one not
 * written yet). Throws ArchiveFormatUnknown for a format this bonnie does not read, or a file it cannot parse.
 */
export function readArchiveFormat(archiveDir: string, catalogPath?: string): number {
  const path = join(archiveDir, ARCHIVE_VERSION_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 1;
    throw isPermissionDenied(error) ? permissionDenied('read', path, error, catalogPath) : error;
  }
  let format: unknown;
  try {
    format = (JSON.parse(text) as {format?: unknown}).format;
  } catch (error) {
    throw unknownFormat(path, `cannot be parsed (${errorMessage(error)})`);
  }
  if (typeof format !== 'number' || !READABLE_ARCHIVE_FORMATS.has(format)) throw unknownFormat(path, `says format ${JSON.stringify(format)}`);
  return format;
}

/**
 * What a writer calls before it writes: checks the version file and, when the archive has none yet (new,
 * or format 1), writes it for the current format (temporary file, fsync, rename, fsync of the folder).
 * Run as root, the file and a new archive folder get the owner of `catalogPath`. Returns the format found
 * before (1 for a new or format 1 archive).
 */
export function ensureArchiveFormat(archiveDir: string, catalogPath?: string): number {
  const before = readArchiveFormat(archiveDir, catalogPath);
  if (before === ARCHIVE_FORMAT_VERSION) return before;
  const path = join(archiveDir, ARCHIVE_VERSION_FILE);
  adoptCreatedFolders(mkdirSync(archiveDir, {recursive: true, mode: 0o750}), archiveDir, catalogPath);
  const temporary = `${path}.${process.pid}.tmp`;
  const body = `${JSON.stringify({format: ARCHIVE_FORMAT_VERSION, createdAt: new Date().toISOString(), note: 'bonnie archive: see docs/FORMAT.md'})}\n`;
  const fd = openSync(temporary, 'w', 0o640);
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    removeIfPresent(temporary);
    throw error;
  }
  closeSync(fd);
  if (catalogPath !== undefined) adoptOwnership(temporary, catalogPath);
  renameSync(temporary, path);
  fsyncFolder(archiveDir);
  return before;
}

function unknownFormat(path: string, what: string): BonnieError {
  return new BonnieError('ArchiveFormatUnknown', `the archive's version file ${path} ${what}; this bonnie reads archive format ${[...READABLE_ARCHIVE_FORMATS].join(', ')} only: nothing was read or written`, {
    hint: 'A newer bonnie wrote this archive: upgrade bonnie to the version that introduced its format or a later one (docs/FORMAT.md, "Format versions", names it).',
  });
}
