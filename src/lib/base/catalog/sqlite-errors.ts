/**
 * SQLite's failures as bonnie's errors. better-sqlite3 throws `SqliteError` with the (extended) result
 * code name in `code`; a damaged catalog file surfaces as one from whatever statement first reads the
 * damaged page, in any command. This module maps those to the documented exit status 4 with a hint, and
 * does not load the native driver (the error rendering of every command uses it).
 */
import {BonnieError, EXIT, errorMessage} from '../errors.js';

/** True for SQLite's errors about a damaged file: SQLITE_CORRUPT (and its extended codes), SQLITE_NOTADB. */
export function isCorruption(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/** What to do when the catalog file is damaged. */
export const CORRUPT_CATALOG_HINT =
  'The catalog file is damaged. Run "bonnie verify --integrity" to see which tables; stop bonnie\'s services and restore the catalog from its backup, or salvage it: sqlite3 <catalog> ".recover" | sqlite3 <new catalog>.';

/**
 * The BonnieError for an SQLite failure that escaped a command (looked for in `error` and its causes), or
 * undefined when none is SQLite's or it is not about the catalog file as a whole. Corruption is
 * CatalogCorrupt; a full disk, an I/O error, a lock held too long or a read-only file are
 * CatalogUnavailable; both exit 4.
 */
export function catalogFailure(error: unknown): BonnieError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const code = sqliteCode(current);
    if (code !== undefined) return fromSqlite(code, current);
    current = (current as {cause?: unknown}).cause;
  }
  return undefined;
}

function fromSqlite(code: string, error: unknown): BonnieError | undefined {
  if (isCorruption(error)) {
    return new BonnieError('CatalogCorrupt', `the catalog is damaged: ${errorMessage(error)} (${code})`, {exit: EXIT.catalog, hint: CORRUPT_CATALOG_HINT, cause: error});
  }
  const hint = code.startsWith('SQLITE_BUSY')
    ? 'Another process holds the catalog locked; try again, or find it with "fuser".'
    : code.startsWith('SQLITE_FULL')
      ? 'The disk holding the catalog is full: free space, then run the command again.'
      : code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')
        ? 'Check that this user can write the catalog and its folder (see README, "Setting up the catalog").'
        : code.startsWith('SQLITE_IOERR')
          ? 'The disk holding the catalog failed a read or a write: check it (dmesg), then run the command again.'
          : undefined;
  if (hint === undefined) return undefined;
  return new BonnieError('CatalogUnavailable', `cannot use the catalog: ${errorMessage(error)} (${code})`, {exit: EXIT.catalog, hint, cause: error});
}

function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const {name, code} = error as {name?: unknown; code?: unknown};
  return name === 'SqliteError' && typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}
