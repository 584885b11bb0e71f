/**
 * One `bonnie process` at a time per catalog: events must be applied in arrival order, so a second run
 * that overlaps the first (cron) must not take jobs. Renewed at each batch.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {CatalogLock} from '../../base/catalog/lock.js';

export type {LockHolder} from '../../base/catalog/lock.js';

export class ProcessLock extends CatalogLock {
  constructor(db: Db) {
    super(db, 'process_lock');
  }
}
