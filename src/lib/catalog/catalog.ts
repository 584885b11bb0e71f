/**
 * The catalog: one SQLite file shared by every bonnie command. This is the only module that imports the
 * native driver. It is opened and passed around, never held in a global.
 *
 * Contracts:
 * - WAL journal, `synchronous=FULL` (a commit the dealer reported is on disk: Cyrus will not resend it),
 *   `foreign_keys=ON`, a busy timeout chosen by the caller.
 * - Migrations are numbered; each runs in its own IMMEDIATE transaction that re-reads the version, so
 *   concurrent openers (two hundred dealers at once) apply each migration exactly once.
 * - A catalog whose version is newer than this code is refused, never written.
 */
import {existsSync, mkdirSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname} from 'node:path';
import Database from 'better-sqlite3';
import {BonnieError, EXIT, errorMessage} from '../errors.js';
import {LATEST_SCHEMA_VERSION, MIGRATIONS} from './migrations.js';
import {CORRUPT_CATALOG_HINT} from './sqlite-errors.js';

/** The connection type handed to repositories. */
export type Db = Database.Database;

export interface OpenOptions {
  /** Create the file (and its folder) when it does not exist; otherwise a missing catalog is an error. */
  create?: boolean;
  /** How long to wait for a lock held by another process, in milliseconds. */
  busyTimeoutMs?: number;
  /** Open for reading only: no migrations, no writes. */
  readOnly?: boolean;
}

export interface Catalog {
  readonly db: Db;
  readonly path: string;
  /** Schema version after opening (and migrating). */
  readonly schemaVersion: number;
  close(): void;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

// Resolving the addon ourselves skips the `bindings` package's directory search: the dealer starts faster.
const nativeBinding = (() => {
  try {
    return createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node');
  } catch {
    return undefined;
  }
})();

/**
 * Opens the catalog at `path`, applies pending migrations (unless read-only) and returns it.
 * Throws BonnieError with code CatalogMissing, CatalogTooNew, CatalogTooOld (read-only, not migrated) or
 * CatalogUnavailable (exit 4).
 */
export function openCatalog(path: string, options: OpenOptions = {}): Catalog {
  const {create = false, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS, readOnly = false} = options;
  if (!existsSync(path)) {
    if (!create || readOnly) {
      throw new BonnieError('CatalogMissing', `no catalog at ${path}`, {
        exit: EXIT.catalog,
        hint: 'Create it with "bonnie init", or point --catalog / BONNIE_CATALOG at the right file.',
      });
    }
    // Folders holding the catalog and mail: owner and group only (the dealer runs as cyrus:mail).
    mkdirSync(dirname(path), {recursive: true, mode: 0o750});
  }

  let db: Db;
  try {
    db = new Database(path, {readonly: readOnly, fileMustExist: !create, timeout: busyTimeoutMs, nativeBinding});
  } catch (error) {
    throw unavailable(path, error);
  }
  try {
    if (!readOnly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const version = readOnly ? userVersion(db) : migrate(db);
    if (version > LATEST_SCHEMA_VERSION) throw tooNew(path, version);
    if (readOnly && version < LATEST_SCHEMA_VERSION) throw tooOld(path, version);
    return {db, path, schemaVersion: version, close: () => db.close()};
  } catch (error) {
    db.close();
    throw error instanceof BonnieError ? error : unavailable(path, error);
  }
}

/** Applies every migration above the catalog's version. Returns the resulting version. */
function migrate(db: Db): number {
  let version = userVersion(db);
  if (version > LATEST_SCHEMA_VERSION) return version;
  for (const migration of MIGRATIONS) {
    if (migration.version <= version) continue;
    db.transaction(() => {
      // Another process may have migrated while we waited for the write lock.
      if (userVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, Date.now());
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    version = userVersion(db);
  }
  return version;
}

function userVersion(db: Db): number {
  return db.pragma('user_version', {simple: true}) as number;
}

function tooNew(path: string, version: number): BonnieError {
  return new BonnieError('CatalogTooNew', `the catalog ${path} has schema version ${version}; this bonnie knows up to ${LATEST_SCHEMA_VERSION}`, {
    exit: EXIT.catalog,
    hint: 'It was written by a newer bonnie. Upgrade bonnie; the catalog was not changed.',
  });
}

function tooOld(path: string, version: number): BonnieError {
  return new BonnieError('CatalogTooOld', `the catalog ${path} has schema version ${version}; this bonnie needs ${LATEST_SCHEMA_VERSION}`, {
    exit: EXIT.catalog,
    hint: 'Upgrade it with "bonnie init" (as the catalog\'s owner); commands that only read never change the catalog.',
  });
}

function unavailable(path: string, error: unknown): BonnieError {
  const code = (error as {code?: string}).code ?? '';
  const hint =
    code === 'SQLITE_BUSY'
      ? 'Another process holds the catalog locked; try again, or find it with "fuser".'
      : code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN'
        ? 'Check that this user can write the catalog and its folder (see README, "Setting up the catalog").'
        : code === 'SQLITE_FULL'
          ? 'The disk is full: free space, then run "bonnie dealer --drain-spill".'
          : code.startsWith('SQLITE_CORRUPT')
            ? CORRUPT_CATALOG_HINT
            : 'Check the path and that the file is a bonnie catalog.';
  return new BonnieError('CatalogUnavailable', `cannot use the catalog ${path}: ${errorMessage(error)}`, {exit: EXIT.catalog, hint, cause: error});
}
