/**
 * One archive writer at a time: two writers appending to segments and indexing them would each trust an
 * end offset the other moves. The lock is a catalog row (like `bonnie process`'s), not a lock file: the
 * catalog is where the index lives, so the lock and the index cannot disagree about which archive they
 * guard. A holder that died is recognised at once on the same host (its pid is gone), elsewhere when the
 * lock expires; the writer renews it at every commit.
 */
import {randomBytes} from 'node:crypto';
import {hostname} from 'node:os';
import type {Db} from '../../catalog/catalog.js';

/** How long the archive lock stays valid without renewal, in milliseconds. */
export const ARCHIVE_LOCK_TTL_MS = 2 * 60 * 1000;

/** Who holds the lock. */
export interface ArchiveLockHolder {
  owner: string;
  host: string;
  pid: number;
  expiresAt: number;
}

export class ArchiveLock {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(private readonly db: Db) {}

  /** Takes the lock; returns the other holder when it is held. */
  acquire(now = Date.now()): ArchiveLockHolder | undefined {
    return this.db
      .transaction(() => {
        const held = this.db.prepare<[], {owner: string; host: string; pid: number; expires_at: number}>('SELECT owner, host, pid, expires_at FROM archive_lock WHERE id = 1').get();
        if (held !== undefined && held.owner !== this.owner && held.expires_at > now && !(held.host === hostname() && !isAlive(held.pid))) {
          return {owner: held.owner, host: held.host, pid: held.pid, expiresAt: held.expires_at};
        }
        this.db
          .prepare('INSERT INTO archive_lock (id, owner, host, pid, expires_at) VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid, expires_at = excluded.expires_at')
          .run(this.owner, hostname(), process.pid, now + ARCHIVE_LOCK_TTL_MS);
        return undefined;
      })
      .immediate();
  }

  /** Extends the lock; false when it was lost (expired and taken by another writer). */
  renew(now = Date.now()): boolean {
    return this.db.prepare('UPDATE archive_lock SET expires_at = ? WHERE id = 1 AND owner = ?').run(now + ARCHIVE_LOCK_TTL_MS, this.owner).changes === 1;
  }

  release(): void {
    this.db.prepare('DELETE FROM archive_lock WHERE id = 1 AND owner = ?').run(this.owner);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
