/**
 * One archive writer at a time: two writers appending to segments and indexing them would each trust an
 * end offset the other moves. Renewed at every commit.
 */
import type {Db} from '../../catalog/catalog.js';
import {CatalogLock} from '../../catalog/lock.js';

export type {LockHolder as ArchiveLockHolder} from '../../catalog/lock.js';

export class ArchiveLock extends CatalogLock {
  constructor(db: Db) {
    super(db, 'archive_lock');
  }
}
