/**
 * Job state for each queued notification, and the lease protocol that lets several `bonnie process`
 * runs share the queue without handling a job twice.
 *
 * The states, transitions and retry policy are THE job lifecycle (core/job-lifecycle.ts); queue jobs are
 * never cancelled. This module adds the leases: pending -> claimed (under a lease) -> done; claimed ->
 * failed (retried after the back-off) -> claimed ...; claimed -> pending when the run holding the claim
 * died. Every transition runs in one IMMEDIATE transaction.
 *
 * Two counters, because two different things go wrong:
 * - `attempts`: the job's OWN failures (its handler threw, it cannot be parsed). Dead after `maxAttempts`.
 * - `crashes`: the run died (kill -9, out of memory, a bug) or hung past its lease while it held the job.
 *   A crash says nothing about which job of the batch caused it, so it never makes a job dead by itself;
 *   instead the next claims shrink (`limit >> crashes`) until the job that kills the run is claimed alone.
 *   Only `crashes_alone`, crashes while the job was the run's only claim, make it dead (at `maxAttempts`).
 */
import type {Db} from '../../base/catalog/catalog.js';
import {
  afterCrash,
  afterFailure,
  JOB_STATES as LIFECYCLE_STATES,
  postponedUntil,
  QUEUE_RETRY_BASE_MS,
  retryPolicy,
  type JobState as LifecycleState,
  type RetryPolicy,
} from '../../core/job-lifecycle.js';

/** The lifecycle's states a queue job can take: all but `cancelled` (an event is never moot). */
export type JobState = Exclude<LifecycleState, 'cancelled'>;

export const JOB_STATES: readonly JobState[] = LIFECYCLE_STATES.filter((s): s is JobState => s !== 'cancelled');

export interface ClaimedJob {
  notificationId: number;
  /** The job's own failures so far. */
  attempts: number;
  /** Runs that died while holding this job. */
  crashes: number;
  raw: Buffer;
  receivedAt: number;
  eventType: string;
}

export interface QueueOptions {
  /** Own failures, or crashes of runs holding only this job, before a job is dead. */
  maxAttempts: number;
  /** How long a claim stays valid without being completed, ms. */
  leaseMs?: number;
  /** First retry delay after a failure, ms; doubled at each further attempt (the lifecycle's back-off). */
  retryBaseMs?: number;
}

/** What returning a dead or hung run's claims did. */
export interface OrphanRelease {
  /** Claims returned to pending, each counted as a crash. */
  released: number;
  /** Jobs that were the only claim of `maxAttempts` runs that died: dead, the rest of the queue goes on. */
  dead: number;
}

const DEFAULT_LEASE_MS = 5 * 60 * 1000;

type Candidate = {notification_id: number; attempts: number; crashes: number; raw: Buffer; received_at: number; event_type: string};

export class JobQueue {
  private readonly leaseMs: number;
  private readonly policy: RetryPolicy;
  private readonly selectClaimable;
  private readonly markClaimed;
  private readonly countCrashes;
  private readonly selectCrashed;
  private readonly releaseCrashed;
  private readonly buryCrashed;
  private readonly markDone;
  private readonly markFailed;
  private readonly markPostponed;
  private readonly selectAttempts;

  constructor(
    private readonly db: Db,
    options: QueueOptions,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.policy = retryPolicy(options.maxAttempts, options.retryBaseMs ?? QUEUE_RETRY_BASE_MS);
    // Two index range scans, each stopped at @limit, merged: the claim costs the same whatever the
    // backlog (an OR over the states made SQLite read and sort every pending job for each batch).
    this.selectClaimable = db.prepare<{now: number; limit: number}, Candidate>(
      `SELECT c.notification_id, c.attempts, c.crashes, n.raw, n.received_at, n.event_type FROM (
         SELECT * FROM (SELECT notification_id, attempts, crashes FROM job WHERE state = 'pending' ORDER BY notification_id LIMIT @limit)
         UNION ALL SELECT * FROM (SELECT notification_id, attempts, crashes FROM job WHERE state = 'failed' AND retry_at <= @now ORDER BY notification_id LIMIT @limit)
       ) c JOIN notification n ON n.id = c.notification_id
       ORDER BY c.notification_id LIMIT @limit`,
    );
    this.markClaimed = db.prepare<{id: number; owner: string; until: number; now: number}>(
      `UPDATE job SET state = 'claimed', lease_owner = @owner, lease_expires_at = @until, updated_at = @now
        WHERE notification_id = @id`,
    );
    // A claim is "alone" when its run held nothing else: that job, and only it, can be blamed for the crash.
    this.countCrashes = db.prepare<{before: number; now: number}>(
      `UPDATE job SET crashes = crashes + 1, updated_at = @now,
              crashes_alone = crashes_alone + (lease_owner IN (SELECT lease_owner FROM job WHERE state = 'claimed' GROUP BY lease_owner HAVING count(*) = 1))
        WHERE state = 'claimed' AND lease_expires_at <= @before`,
    );
    this.selectCrashed = db.prepare<{before: number}, {notification_id: number; crashes_alone: number; lease_owner: string; last_error: string | null}>(
      "SELECT notification_id, crashes_alone, lease_owner, last_error FROM job WHERE state = 'claimed' AND lease_expires_at <= @before",
    );
    this.buryCrashed = db.prepare<{id: number; error: string; now: number}>(
      `UPDATE job SET state = 'dead', lease_owner = NULL, lease_expires_at = NULL, updated_at = @now, last_error = @error
        WHERE notification_id = @id AND state = 'claimed'`,
    );
    this.releaseCrashed = db.prepare<{before: number; now: number}>(
      `UPDATE job SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
        WHERE state = 'claimed' AND lease_expires_at <= @before`,
    );
    this.markDone = db.prepare<{id: number; owner: string; now: number}>(
      `UPDATE job SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
        WHERE notification_id = @id AND state = 'claimed' AND lease_owner = @owner`,
    );
    this.markPostponed = db.prepare<{id: number; owner: string; error: string; retry: number; now: number}>(
      `UPDATE job SET state = 'failed', lease_owner = NULL, lease_expires_at = NULL, last_error = @error, retry_at = @retry, updated_at = @now
        WHERE notification_id = @id AND state = 'claimed' AND lease_owner = @owner`,
    );
    this.markFailed = db.prepare<{id: number; owner: string; error: string; state: string; retry: number | null; now: number}>(
      `UPDATE job SET state = @state, attempts = attempts + 1, lease_owner = NULL, lease_expires_at = NULL, last_error = @error, retry_at = @retry, updated_at = @now
        WHERE notification_id = @id AND state = 'claimed' AND lease_owner = @owner`,
    );
    this.selectAttempts = db.prepare<[number], {attempts: number}>('SELECT attempts FROM job WHERE notification_id = ?');
  }

  /**
   * Claims up to `limit` jobs for `owner`, oldest first. A batch holds at most `limit >> crashes` jobs
   * (at least one) for each job in it: a batch that keeps killing its run is halved at each crash until
   * the job that kills it is claimed alone. Claims whose lease expired (their run hung or died elsewhere)
   * are first returned to the queue as crashes, exactly as {@link releaseOrphans} does.
   */
  claim(owner: string, limit: number, now = Date.now()): ClaimedJob[] {
    return this.db
      .transaction(() => {
        this.release(now);
        const claimed: ClaimedJob[] = [];
        let cap = limit;
        for (const row of this.selectClaimable.all({now, limit})) {
          cap = Math.min(cap, Math.max(1, limit >> Math.min(row.crashes, 30)));
          if (claimed.length >= cap) break;
          this.markClaimed.run({id: row.notification_id, owner, until: now + this.leaseMs, now});
          claimed.push({notificationId: row.notification_id, attempts: row.attempts, crashes: row.crashes, raw: row.raw, receivedAt: row.received_at, eventType: row.event_type});
        }
        return claimed;
      })
      .immediate();
  }

  /**
   * Returns every claimed job to pending, each counted as a crash; a job that was the only claim of
   * `maxAttempts` runs that died is marked dead instead. Only for the holder of the process lock: any
   * claim it finds belongs to a run that died (kill -9) or hung before finishing its batch.
   */
  releaseOrphans(now = Date.now()): OrphanRelease {
    return this.db.transaction(() => this.release(now, Number.MAX_SAFE_INTEGER)).immediate();
  }

  private release(now: number, before = now): OrphanRelease {
    const released = this.countCrashes.run({before, now}).changes;
    if (released === 0) return {released, dead: 0};
    let dead = 0;
    for (const job of this.selectCrashed.all({before})) {
      if (afterCrash(job.crashes_alone, this.policy) !== 'dead') continue;
      const own = job.last_error === null ? '' : `; its own last error: ${job.last_error}`;
      const error = `the run died ${job.crashes_alone} times while applying this job alone (last: ${job.lease_owner})${own}`;
      dead += this.buryCrashed.run({id: job.notification_id, error, now}).changes;
    }
    this.releaseCrashed.run({before, now});
    return {released, dead};
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

  /**
   * Returns a claimed job to the queue for a retry after the first back-off, without counting an attempt:
   * the job did not fail, something it needs did (the directory could not answer). It never goes dead for
   * that; `bonnie status` shows the backlog while the outage lasts.
   */
  postpone(notificationId: number, owner: string, reason: string, now = Date.now()): boolean {
    return this.markPostponed.run({id: notificationId, owner, error: reason, retry: postponedUntil(this.policy, now), now}).changes === 1;
  }

  /**
   * Records a failure of the job itself (one attempt): retried after the lifecycle's back-off, or dead at
   * `maxAttempts`. Returns the new state; undefined when the lease was lost.
   */
  fail(notificationId: number, owner: string, error: string, now = Date.now()): JobState | undefined {
    const row = this.selectAttempts.get(notificationId);
    if (row === undefined) return undefined;
    const outcome = afterFailure(row.attempts, error, this.policy, now);
    const changes = this.markFailed.run({id: notificationId, owner, error: outcome.error, state: outcome.state, retry: outcome.retryAt, now}).changes;
    return changes === 1 ? outcome.state : undefined;
  }
}
