/**
 * One archive writer at a time: two writers appending to segments and indexing them would each trust an
 * end offset the other moves. Renewed at every commit.
 */
import type {Db} from '../../../base/catalog/catalog.js';
import {CatalogLock} from '../../../base/catalog/lock.js';

export type {LockHolder as ArchiveLockHolder} from '../../../base/catalog/lock.js';

export class ArchiveLock extends CatalogLock {
  constructor(db: Db) {
    super(db, 'archive_lock');
  }
}
