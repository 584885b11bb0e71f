/**
 * Job state for each queued notification, and the lease protocol that lets several `bonnie process`
 * runs share the queue without handling a job twice.
 *
 * States: pending -> claimed -> done; claimed -> failed (retried after a back-off) -> claimed ...;
 * after `maxAttempts` claims a job is dead, with the last error kept. A claim whose lease expired (its
 * holder died) can be claimed again. Every transition runs in one IMMEDIATE transaction.
 */
import type {Db} from '../catalog/catalog.js';

export type JobState = 'pending' | 'claimed' | 'done' | 'failed' | 'dead';

export const JOB_STATES: readonly JobState[] = ['pending', 'claimed', 'done', 'failed', 'dead'];

export interface ClaimedJob {
  notificationId: number;
  attempts: number;
  raw: Buffer;
  receivedAt: number;
  eventType: string;
}

export interface QueueOptions {
  /** Claims before a job is dead. */
  maxAttempts: number;
  /** How long a claim stays valid without being completed, ms. */
  leaseMs?: number;
  /** First retry delay after a failure, ms; doubled at each further attempt. */
  retryBaseMs?: number;
}

const DEFAULT_LEASE_MS = 5 * 60 * 1000;
const DEFAULT_RETRY_BASE_MS = 30 * 1000;

export class JobQueue {
  private readonly leaseMs: number;
  private readonly retryBaseMs: number;
  private readonly selectClaimable;
  private readonly markClaimed;
  private readonly markDead;
  private readonly markDone;
  private readonly markFailed;
  private readonly selectAttempts;

  constructor(
    private readonly db: Db,
    private readonly options: QueueOptions,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.retryBaseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    // Three index range scans, each stopped at @limit, merged: the claim costs the same whatever the
    // backlog (an OR over the states made SQLite read and sort every pending job for each batch).
    this.selectClaimable = db.prepare<{now: number; limit: number}, {notification_id: number; attempts: number; raw: Buffer; received_at: number; event_type: string}>(
      `SELECT c.notification_id, c.attempts, n.raw, n.received_at, n.event_type FROM (
         SELECT * FROM (SELECT notification_id, attempts FROM job WHERE state = 'pending' ORDER BY notification_id LIMIT @limit)
         UNION ALL SELECT * FROM (SELECT notification_id, attempts FROM job WHERE state = 'failed' AND retry_at <= @now ORDER BY notification_id LIMIT @limit)
         UNION ALL SELECT * FROM (SELECT notification_id, attempts FROM job WHERE state = 'claimed' AND lease_expires_at <= @now ORDER BY notification_id LIMIT @limit)
       ) c JOIN notification n ON n.id = c.notification_id
       ORDER BY c.notification_id LIMIT @limit`,
    );
    this.markClaimed = db.prepare<{id: number; owner: string; until: number; now: number}>(
      `UPDATE job SET state = 'claimed', attempts = attempts + 1, lease_owner = @owner, lease_expires_at = @until, updated_at = @now
        WHERE notification_id = @id`,
    );
    this.markDead = db.prepare<{id: number; error: string; now: number}>(
      `UPDATE job SET state = 'dead', lease_owner = NULL, lease_expires_at = NULL, last_error = @error, updated_at = @now WHERE notification_id = @id`,
    );
    this.markDone = db.prepare<{id: number; owner: string; now: number}>(
      `UPDATE job SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
        WHERE notification_id = @id AND state = 'claimed' AND lease_owner = @owner`,
    );
    this.markFailed = db.prepare<{id: number; owner: string; error: string; state: string; retry: number | null; now: number}>(
      `UPDATE job SET state = @state, lease_owner = NULL, lease_expires_at = NULL, last_error = @error, retry_at = @retry, updated_at = @now
        WHERE notification_id = @id AND state = 'claimed' AND lease_owner = @owner`,
    );
    this.selectAttempts = db.prepare<[number], {attempts: number}>('SELECT attempts FROM job WHERE notification_id = ?');
  }

  /**
   * Claims up to `limit` jobs for `owner`, oldest first. Jobs whose leases expired `maxAttempts` times
   * are marked dead instead of being handed out again.
   */
  claim(owner: string, limit: number, now = Date.now()): ClaimedJob[] {
    return this.db
      .transaction(() => {
        const claimed: ClaimedJob[] = [];
        for (const row of this.selectClaimable.all({now, limit})) {
          if (row.attempts >= this.options.maxAttempts) {
            this.markDead.run({id: row.notification_id, error: `gave up after ${row.attempts} attempts (the last did not finish)`, now});
            continue;
          }
          this.markClaimed.run({id: row.notification_id, owner, until: now + this.leaseMs, now});
          claimed.push({notificationId: row.notification_id, attempts: row.attempts + 1, raw: row.raw, receivedAt: row.received_at, eventType: row.event_type});
        }
        return claimed;
      })
      .immediate();
  }

  /**
   * Returns every claimed job to pending, attempts kept. Only for the holder of the process lock: any
   * claim it finds belongs to a run that died (kill -9) before finishing its batch.
   */
  releaseOrphans(now = Date.now()): number {
    return this.db
      .prepare<[number]>("UPDATE job SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at = ? WHERE state = 'claimed'")
      .run(now).changes;
  }

  /** Jobs still to do now: pending, or failed and due for a retry. */
  due(now = Date.now()): number {
    return (
      this.db.prepare<[number], {n: number}>("SELECT count(*) AS n FROM job WHERE state = 'pending' OR (state = 'failed' AND retry_at <= ?)").get(now)?.n ?? 0
    );
  }

  /** Marks a claimed job done. False when the lease was lost (another run took it over). */
  complete(notificationId: number, owner: string, now = Date.now()): boolean {
    return this.markDone.run({id: notificationId, owner, now}).changes === 1;
  }

  /** Records a failed attempt: retried later, or dead after `maxAttempts`. Returns the new state. */
  fail(notificationId: number, owner: string, error: string, now = Date.now()): JobState | undefined {
    const row = this.selectAttempts.get(notificationId);
    if (row === undefined) return undefined;
    const dead = row.attempts >= this.options.maxAttempts;
    const retry = dead ? null : now + this.retryBaseMs * 2 ** (row.attempts - 1);
    const changes = this.markFailed.run({id: notificationId, owner, error, state: dead ? 'dead' : 'failed', retry, now}).changes;
    return changes === 1 ? (dead ? 'dead' : 'failed') : undefined;
  }
}
