/** Reading a catalog from a test the way an administrator would: read-only, opened and closed per query. */
import Database from 'better-sqlite3';
import {BonnieError} from '../../src/lib/base/errors.js';
import {canonicalDump} from './record.js';

/** Rows of `sql` (bound `params`) from the catalog file at `path`. */
export function queryCatalog<T>(path: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path, {readonly: true});
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** The BonnieError `fn` throws (any other outcome fails the test). */
export function thrownBonnieError(fn: () => unknown): BonnieError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BonnieError) return error;
    throw error;
  }
  throw new Error('expected a BonnieError');
}

/** The canonical dump (./record.ts) of the catalog file at `path`, read-only. */
export function dumpCatalog(path: string): string {
  const db = new Database(path, {readonly: true});
  try {
    return canonicalDump(db);
  } finally {
    db.close();
  }
}
