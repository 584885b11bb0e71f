/**
 * A lock held in a catalog row: one holder at a time for a job that must not run twice at once (`bonnie
 * process`, the archive writer). The catalog is where the guarded state lives, so the lock and that state
 * cannot disagree. The lock expires unless renewed; a holder that died (kill -9) is recognised at once
 * on the same host (its pid is gone), elsewhere when its lock expires.
 */
import {randomBytes} from 'node:crypto';
import {hostname} from 'node:os';
import type {Db} from './catalog.js';
import {isProcessAlive} from '../system/processes.js';

/** How long a lock stays valid without renewal. */
export const LOCK_TTL_MS = 2 * 60 * 1000;

/** The lock tables (a fixed set: table names cannot be bound parameters). */
export type LockTable = 'process_lock' | 'archive_lock';

export interface LockHolder {
  owner: string;
  host: string;
  pid: number;
  expiresAt: number;
}

export class CatalogLock {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly db: Db,
    private readonly table: LockTable,
  ) {}

  /** Takes the lock; returns the other holder when it is held. */
  acquire(now = Date.now()): LockHolder | undefined {
    return this.db
      .transaction(() => {
        const held = this.db.prepare<[], {owner: string; host: string; pid: number; expires_at: number}>(`SELECT owner, host, pid, expires_at FROM ${this.table} WHERE id = 1`).get();
        if (held !== undefined && held.owner !== this.owner && held.expires_at > now && !(held.host === hostname() && !isProcessAlive(held.pid))) {
          return {owner: held.owner, host: held.host, pid: held.pid, expiresAt: held.expires_at};
        }
        this.db
          .prepare(`INSERT INTO ${this.table} (id, owner, host, pid, expires_at) VALUES (1, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid, expires_at = excluded.expires_at`)
          .run(this.owner, hostname(), process.pid, now + LOCK_TTL_MS);
        return undefined;
      })
      .immediate();
  }

  /** Extends the lock; false when it was lost (expired and taken by another holder). */
  renew(now = Date.now()): boolean {
    return this.db.prepare(`UPDATE ${this.table} SET expires_at = ? WHERE id = 1 AND owner = ?`).run(now + LOCK_TTL_MS, this.owner).changes === 1;
  }

  release(): void {
    this.db.prepare(`DELETE FROM ${this.table} WHERE id = 1 AND owner = ?`).run(this.owner);
  }
}

