/**
 * The reconcile_job table (gaps-schema.ts): requests to re-read a folder's whole state. It lives with gap
 * detection, which owns the gaps a job is queued for and a job done ends; the collector runs the jobs.
 * Gap detection queues one when events went missing (`gap_id` set); the collector's scan queues one for a
 * new or renamed folder when folder metadata is configured (`gap_id` NULL).
 *
 * States, transitions and retries are THE job lifecycle (core/job-lifecycle.ts): `pending` -> `done`, or
 * `failed` (retried after the back-off, {@link RECONCILE_RETRY_STEP_MS} after the first attempt) -> ... ->
 * `dead` once `max_attempts` ran out, with `last_error`; `cancelled` when late events closed the gap (gap
 * detection), or when the folder was deleted before it could be read (`last_error` says so).
 * A job done makes the folder's open gaps `reconciled`: what their lost events announced is archived. The
 * collector does not use `claimed`: one archive writer runs at a time (the archive lock), and a job left
 * claimed by a crash would block its folder's next one.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {afterFailure, isDue, OPEN_STATES, RECONCILE_RETRY_BASE_MS, retryPolicy, type JobState} from '../../core/job-lifecycle.js';

/** A failed reconcile job waits this long after its first attempt, doubled after each further one (ms). */
export const RECONCILE_RETRY_STEP_MS = RECONCILE_RETRY_BASE_MS;

/** The lifecycle's states: a reconcile job may take each. */
export type ReconcileState = JobState;

export interface ReconcileJob {
  id: number;
  mailboxId: string;
  /** The folder's name when the job was queued (it may have been renamed since). */
  mailboxName: string;
  /** The gap that asked for it; null for a folder snapshot (MailboxCreate, MailboxRename). */
  gapId: number | null;
  reason: string;
  state: ReconcileState;
  attempts: number;
  lastError: string | null;
}

interface Row {
  id: number;
  mailbox_id: string;
  mailbox_name: string;
  gap_id: number | null;
  reason: string;
  state: ReconcileState;
  attempts: number;
  last_error: string | null;
}

const toJob = (r: Row): ReconcileJob => ({id: r.id, mailboxId: r.mailbox_id, mailboxName: r.mailbox_name, gapId: r.gap_id, reason: r.reason, state: r.state, attempts: r.attempts, lastError: r.last_error});

/** Statements prepared once. */
export class ReconcileJobs {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      // Open jobs are few (one per folder at most): whether a failed one is due is the lifecycle's call.
      open: db.prepare<[], Row & {updated_at: number}>("SELECT * FROM reconcile_job WHERE state IN ('pending', 'failed') ORDER BY id"),
      countOpen: db.prepare<[string], {n: number}>('SELECT count(*) AS n FROM reconcile_job WHERE state IN (SELECT value FROM json_each(?))'),
      // One pending job per folder (reconcile_one_pending_per_mailbox): a folder already waiting gets no second.
      queue: db.prepare<{mailboxId: string; name: string; reason: string; now: number}>(
        `INSERT INTO reconcile_job (mailbox_id, mailbox_name, gap_id, reason, created_at, updated_at)
         VALUES (@mailboxId, @name, NULL, @reason, @now, @now) ON CONFLICT DO NOTHING`,
      ),
      // A success is not an attempt (the lifecycle): attempts count failures only.
      done: db.prepare<{id: number; now: number}>("UPDATE reconcile_job SET state = 'done', last_error = NULL, updated_at = @now WHERE id = @id"),
      attempts: db.prepare<[number], {attempts: number}>('SELECT attempts FROM reconcile_job WHERE id = ?'),
      failed: db.prepare<{id: number; error: string; now: number; state: string; attempts: number}>(
        'UPDATE reconcile_job SET attempts = @attempts, state = @state, last_error = @error, updated_at = @now WHERE id = @id',
      ),
      list: db.prepare<[], Row>('SELECT * FROM reconcile_job ORDER BY id'),
      cancel: db.prepare<{id: number; reason: string; now: number}>("UPDATE reconcile_job SET state = 'cancelled', last_error = @reason, updated_at = @now WHERE id = @id"),
      lastOpenGap: db.prepare<[string], {id: number | null}>("SELECT max(id) AS id FROM gap WHERE mailbox_id = ? AND state = 'open'"),
      endGaps: db.prepare<{mailboxId: string; upTo: number; state: 'reconciled' | 'closed'; reason: string; now: number}>(
        `UPDATE gap SET state = @state, closed_at = @now, closed_reason = @reason
          WHERE mailbox_id = @mailboxId AND state = 'open' AND id <= @upTo`,
      ),
    };
  }

  /** Jobs to run now: pending ones, and failed ones whose back-off is over; oldest first. */
  due(now: number): ReconcileJob[] {
    const policy = retryPolicy(Number.MAX_SAFE_INTEGER, RECONCILE_RETRY_BASE_MS);
    return this.s.open
      .all()
      .filter((r) => isDue({state: r.state, attempts: r.attempts, updatedAt: r.updated_at}, policy, now))
      .map(toJob);
  }

  /** Jobs not settled yet (pending, claimed, or failed and to be retried). */
  countOpen(): number {
    return this.s.countOpen.get(JSON.stringify(OPEN_STATES))?.n ?? 0;
  }

  /** Queues a folder snapshot request; returns 1, or 0 when the folder already has a job waiting. */
  queueFolder(mailboxId: string, name: string, reason: string, now: number): number {
    return this.s.queue.run({mailboxId, name, reason, now}).changes;
  }

  /**
   * The newest open gap of a folder (0 when none), taken before the folder is read: the gaps up to it are
   * what that read can settle. A gap noticed while the read runs may concern what it did not see.
   */
  lastOpenGap(mailboxId: string): number {
    return this.s.lastOpenGap.get(mailboxId)?.id ?? 0;
  }

  /**
   * Marks jobs done and, in the same transaction, the folder's open gaps up to `gaps.upTo` reconciled.
   * Returns how many gaps that reconciled.
   */
  markDone(ids: readonly number[], now: number, gaps?: {mailboxId: string; upTo: number}): number {
    return this.db.transaction(() => {
      for (const id of ids) this.s.done.run({id, now});
      if (gaps === undefined || gaps.upTo === 0) return 0;
      const reason = `reconcile job ${ids.join(', ')} re-read the folder and archived what it held`;
      return this.s.endGaps.run({mailboxId: gaps.mailboxId, upTo: gaps.upTo, state: 'reconciled', reason, now}).changes;
    })();
  }

  /**
   * Cancels jobs whose folder was deleted (`deleted` says how, as KnownFolder in jobs.ts); the folder's
   * open gaps up to `gaps.upTo` close with it (nothing is left to re-read: they would stay open for
   * good). Returns how many gaps closed.
   */
  markCancelled(ids: readonly number[], deleted: string, now: number, gaps?: {mailboxId: string; upTo: number}): number {
    return this.db.transaction(() => {
      for (const id of ids) this.s.cancel.run({id, reason: `the folder was ${deleted}`, now});
      if (gaps === undefined || gaps.upTo === 0) return 0;
      const reason = `the folder was ${deleted} before it could be re-read: what the lost events announced is not archived`;
      return this.s.endGaps.run({mailboxId: gaps.mailboxId, upTo: gaps.upTo, state: 'closed', reason, now}).changes;
    })();
  }

  /** Records a failure (an attempt); a job failing its `maxAttempts`th time becomes dead. Returns how many died. */
  markFailed(ids: readonly number[], error: string, now: number, maxAttempts: number): number {
    const policy = retryPolicy(maxAttempts, RECONCILE_RETRY_BASE_MS);
    return this.db.transaction(() => {
      let dead = 0;
      for (const id of ids) {
        const row = this.s.attempts.get(id);
        if (row === undefined) continue;
        const outcome = afterFailure(row.attempts, error, policy, now);
        this.s.failed.run({id, error: outcome.error, now, state: outcome.state, attempts: outcome.attempts});
        if (outcome.state === 'dead') dead++;
      }
      return dead;
    })();
  }

  /** Every job, oldest first. */
  list(): ReconcileJob[] {
    return this.s.list.all().map(toJob);
  }
}

/** What `bonnie status` shows of reconcile jobs; `deadSince` counts those given up at or after `since` (ms). */
export function reconcileCounts(db: Db, since: number): {pending: number; failed: number; dead: number; deadSince: number} {
  const row = db
    .prepare<[number], {pending: number; failed: number; dead: number; recent: number}>(
      `SELECT count(*) FILTER (WHERE state IN ('pending', 'claimed')) AS pending, count(*) FILTER (WHERE state = 'failed') AS failed,
              count(*) FILTER (WHERE state = 'dead') AS dead, count(*) FILTER (WHERE state = 'dead' AND updated_at >= ?) AS recent
         FROM reconcile_job`,
    )
    .get(since);
  return {pending: row?.pending ?? 0, failed: row?.failed ?? 0, dead: row?.dead ?? 0, deadSince: row?.recent ?? 0};
}
