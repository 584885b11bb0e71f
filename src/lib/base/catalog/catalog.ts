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
 * - Only `bonnie init` creates a catalog (`create`). Any other opener refuses a missing file, and every
 *   opener refuses a file that is not a bonnie catalog before changing a byte of it: its application id
 *   is {@link CATALOG_APPLICATION_ID}, or 0 with bonnie's `schema_migration` table (catalogs made before
 *   the id existed; the first writer stamps them).
 * - Readers need not write anything: writers leave the `-wal` and `-shm` files in place when they close
 *   (see {@link closeWriter}), so a read-only open by the catalog's group works in a folder it cannot write.
 */
import {accessSync, constants, existsSync, mkdirSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname} from 'node:path';
import Database from 'better-sqlite3';
import {BonnieError, EXIT, errorMessage} from '../errors.js';
import {catalogSchema, type Schema} from './migrations.js';
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
  /**
   * A writer copies the WAL into the catalog file when it closes (PASSIVE; default true), as SQLite's last
   * connection would. The per-event dealer says false: ~3 ms of fsyncs per event, and the WAL is copied
   * anyway whenever it passes 1000 pages and by the next `bonnie process`.
   */
  checkpointOnClose?: boolean;
  /**
   * Another bonnie database kept apart from the catalog (the interception store, issue 16): its own
   * application id and schema. The same contracts hold (identity checked before a byte is written,
   * numbered migrations, a newer file refused). Default: the catalog's id and the schema set by useSchema().
   */
  database?: {applicationId: number; schema: Schema};
}

export interface Catalog {
  readonly db: Db;
  readonly path: string;
  /** Schema version after opening (and migrating). */
  readonly schemaVersion: number;
  close(): void;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** `PRAGMA application_id` of a bonnie catalog (header offset 68): "bonn" in ASCII. */
export const CATALOG_APPLICATION_ID = 0x62_6f_6e_6e;

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
 * Throws BonnieError with code CatalogMissing, CatalogForeign (not a bonnie catalog), CatalogTooNew,
 * CatalogTooOld (read-only, not migrated) or CatalogUnavailable (this user may not write it, locked...), all
 * exit 4.
 */
export function openCatalog(path: string, options: OpenOptions = {}): Catalog {
  if (options.readOnly !== true) return openOnce(path, options);
  // A reader that may not write the -shm file reads the WAL without the shared index; while a writer
  // checkpoints or resets the WAL at that very moment, SQLite answers SQLITE_READONLY_* (it would have to
  // rebuild the index): a moment later the read works. Seen 2 times in 1,751 reads under constant commits.
  for (let attempt = 1; ; attempt++) {
    try {
      return openOnce(path, options);
    } catch (error) {
      const code = (error as BonnieError).cause instanceof Error ? ((error as BonnieError).cause as {code?: unknown}).code : undefined;
      if (attempt >= READER_RETRIES || typeof code !== 'string' || !TRANSIENT_FOR_READERS.test(code)) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, READER_RETRY_MS * attempt);
    }
  }
}

/** SQLite's answers to a reader that are over once a writer has finished what it was doing. */
const TRANSIENT_FOR_READERS = /^SQLITE_(READONLY|READONLY_RECOVERY|READONLY_CANTINIT|READONLY_CANTLOCK|BUSY_RECOVERY|BUSY_SNAPSHOT|PROTOCOL)$/;
const READER_RETRIES = 8;
const READER_RETRY_MS = 25;

function openOnce(path: string, options: OpenOptions): Catalog {
  const {create = false, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS, readOnly = false, checkpointOnClose = true} = options;
  const schema = options.database?.schema ?? catalogSchema();
  const expectedId = options.database?.applicationId ?? CATALOG_APPLICATION_ID;
  if (!existsSync(path)) {
    if (!create || readOnly) {
      throw new BonnieError('CatalogMissing', `no catalog at ${path}`, {
        exit: EXIT.catalog,
        hint: 'Only "bonnie init" creates a catalog: run it (as root, with --owner cyrus:mail), or point --catalog, BONNIE_CATALOG or the "catalog:" key at the right file.',
      });
    }
    // Folders holding the catalog and mail: owner and group only (the dealer runs as cyrus:mail).
    mkdirSync(dirname(path), {recursive: true, mode: 0o750});
  } else if (!readOnly && !canWrite(path)) {
    // SQLite would open it read-only without a word, and the first write would fail far from here.
    throw new BonnieError('CatalogUnavailable', `cannot write the catalog ${path}: this user may only read it`, {
      exit: EXIT.catalog,
      hint: 'Commands that write (process, collector, archive, dealer, gaps, init) run as the catalog\'s owner, e.g. "sudo -u cyrus bonnie process"; status, search --no-update, history, audit, restore, export and verify (without --mark-broken) only read.',
    });
  }

  let db: Db;
  try {
    db = new Database(path, {readonly: readOnly, fileMustExist: !create, timeout: busyTimeoutMs, nativeBinding});
  } catch (error) {
    throw unavailable(path, error, readOnly);
  }
  try {
    // Before anything writes (even the journal mode): another application's file must stay as it was.
    const applicationId = checkIdentity(db, path, create, expectedId);
    if (!readOnly) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const version = readOnly ? userVersion(db) : migrate(db, schema);
    if (version > schema.latest) throw tooNew(path, version, schema.latest);
    if (readOnly && version < schema.latest) throw tooOld(path, version, schema.latest);
    if (!readOnly && applicationId !== expectedId) db.pragma(`application_id = ${expectedId}`);
    const close = readOnly || db.memory ? () => db.close() : () => closeWriter(db, path, checkpointOnClose);
    return {db, path, schemaVersion: version, close};
  } catch (error) {
    db.close();
    throw error instanceof BonnieError ? error : unavailable(path, error, readOnly);
  }
}

/**
 * Refuses a database that is not a bonnie catalog; returns its application id. An empty database is
 * accepted only when `create` (init's new file).
 */
function checkIdentity(db: Db, path: string, create: boolean, expectedId: number): number {
  const applicationId = db.pragma('application_id', {simple: true}) as number;
  if (applicationId === expectedId) return applicationId;
  const {objects, bonnie} = db
    .prepare<[], {objects: number; bonnie: number}>("SELECT count(*) AS objects, count(*) FILTER (WHERE type = 'table' AND name = 'schema_migration') AS bonnie FROM sqlite_schema")
    .get() as {objects: number; bonnie: number};
  // Files without an id predate it: only the catalog has such files (another database has its id from its first write).
  if (applicationId === 0 && ((bonnie > 0 && expectedId === CATALOG_APPLICATION_ID) || (objects === 0 && create))) return applicationId;
  const what =
    applicationId !== 0 ? `another application's database (application id ${applicationId})`
    : objects === 0 ? 'an empty database'
    : `an SQLite database without bonnie's tables (${objects} other objects)`;
  throw new BonnieError('CatalogForeign', `${path} is not a bonnie catalog: it is ${what}; it was not changed`, {
    exit: EXIT.catalog,
    hint: 'Point --catalog, BONNIE_CATALOG or the "catalog:" key at bonnie\'s catalog; only "bonnie init" creates one, and only where no file is.',
  });
}

/**
 * Closes a writer without removing the `-wal` and `-shm` files. SQLite removes them when its last
 * connection closes, and a reader in the catalog's group cannot create them again in a folder only the
 * owner writes (SQLITE_READONLY_DIRECTORY): a read-only connection held across the close makes it not the
 * last one, and a read-only connection never removes them. The checkpoint SQLite would have made then is
 * made here unless `checkpoint` is false (PASSIVE: it waits for nobody), so the catalog file stays current.
 */
function closeWriter(db: Db, path: string, checkpoint: boolean): void {
  try {
    if (checkpoint) db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Housekeeping only: every commit is already durable in the WAL (synchronous=FULL), and the next
    // writer's checkpoint copies it. Failing the close here would make the dealer spill a stored event.
  }
  let keeper: Db | undefined;
  try {
    keeper = new Database(path, {readonly: true, fileMustExist: true, nativeBinding});
    keeper.pragma('user_version');
  } catch {
    // Only the files' survival depends on the keeper; the close itself must go on.
    keeper?.close();
    keeper = undefined;
  }
  try {
    db.close();
  } finally {
    keeper?.close();
  }
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Applies every migration above the catalog's version. Returns the resulting version. */
function migrate(db: Db, schema: Schema): number {
  let version = userVersion(db);
  if (version > schema.latest) return version;
  for (const migration of schema.migrations) {
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

function tooNew(path: string, version: number, latest: number): BonnieError {
  return new BonnieError('CatalogTooNew', `the catalog ${path} has schema version ${version}; this bonnie knows up to ${latest}`, {
    exit: EXIT.catalog,
    hint: 'It was written by a newer bonnie. Upgrade bonnie; the catalog was not changed.',
  });
}

function tooOld(path: string, version: number, latest: number): BonnieError {
  return new BonnieError('CatalogTooOld', `the catalog ${path} has schema version ${version}; this bonnie needs ${latest}`, {
    exit: EXIT.catalog,
    hint: 'Upgrade it with "bonnie init" (as the catalog\'s owner); commands that only read never change the catalog.',
  });
}

function unavailable(path: string, error: unknown, readOnly: boolean): BonnieError {
  const code = (error as {code?: string}).code ?? '';
  const hint =
    code === 'SQLITE_BUSY'
      ? 'Another process holds the catalog locked; try again, or find it with "fuser".'
      : readOnly && (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN'))
        ? `A reader needs the catalog's -wal and -shm files beside it (${path}-wal, ${path}-shm), readable by its group; it may not create them. "bonnie init --owner cyrus:mail" (as root) creates them, and so does any writing bonnie command run as the catalog's owner.`
        : code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN')
          ? 'Check that this user can write the catalog and its folder (see README, "Setting up the catalog").'
          : code === 'SQLITE_FULL'
            ? 'The disk is full: free space, then run "bonnie dealer --drain-spill".'
            : code === 'SQLITE_NOTADB'
              ? 'The file is not an SQLite database: check --catalog, BONNIE_CATALOG and the "catalog:" key; if it is the catalog, it is damaged (see "bonnie verify --integrity").'
              : code.startsWith('SQLITE_CORRUPT')
                ? CORRUPT_CATALOG_HINT
                : 'Check the path and that the file is a bonnie catalog.';
  return new BonnieError('CatalogUnavailable', `cannot use the catalog ${path}: ${errorMessage(error)}`, {exit: EXIT.catalog, hint, cause: error});
}

/** True when the catalog has the view `name` (a catalog opened read-only is not migrated: it may predate it). */
export function hasView(db: Db, name: string): boolean {
  return db.prepare<[string], {n: number}>("SELECT 1 AS n FROM sqlite_schema WHERE type = 'view' AND name = ?").get(name) !== undefined;
}
