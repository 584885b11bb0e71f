/**
 * `bonnie queue list|retry`: jobs as an operator sees them, and returning failed or dead jobs to the queue.
 * The lease protocol itself lives in jobs.ts; this module only reads jobs and resets the ones an operator
 * names, each reset recorded in `queue_action` (actions.ts).
 */
import {isoTime} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import {parseNotification} from '../../core/event/parse.js';
import {QueueActions, type QueueAction} from './actions.js';
import {allows, RETRYABLE_STATES as LIFECYCLE_RETRYABLE} from '../../core/job-lifecycle.js';
import type {JobState} from './jobs.js';

/** One job, with what an operator needs to judge it. */
export interface JobEntry {
  notificationId: number;
  state: JobState;
  eventType: string;
  /** The folder's name from the event's URI, when it names one. */
  mailbox: string | null;
  /** Cyrus' mailboxID, when the event carries one. */
  mailboxId: string | null;
  /** The event's own timestamp, as sent. */
  eventTime: string | null;
  /** When bonnie received it (ISO). */
  receivedAt: string;
  /** When its state last changed (ISO). */
  updatedAt: string;
  /** The job's own failures. */
  attempts: number;
  /** Runs that died while holding it. */
  crashes: number;
  lastError: string | null;
  /** When a failed job is tried again (ISO); null otherwise. */
  retryAt: string | null;
  /** Operators' retries of this job, oldest first. */
  retries: QueueAction[];
}

export interface JobListing {
  /** The states listed. */
  states: JobState[];
  /** Jobs in those states, in all. */
  total: number;
  /** The first `limit` of them, oldest notification first. */
  jobs: JobEntry[];
}

/** States `bonnie queue retry` returns to pending: the lifecycle's `retry` transition. */
export const RETRYABLE_STATES: readonly JobState[] = LIFECYCLE_RETRYABLE.filter((s): s is JobState => s !== 'cancelled');

type Row = {
  notification_id: number;
  state: JobState;
  attempts: number;
  crashes: number;
  last_error: string | null;
  retry_at: number | null;
  updated_at: number;
  event_type: string;
  event_time: string | null;
  mailbox_id: string | null;
  received_at: number;
  raw: Buffer;
};

/** Lists jobs in `states`, oldest notification first, at most `limit`. */
export function listJobs(db: Db, states: readonly JobState[], limit: number): JobListing {
  const wanted = JSON.stringify(states);
  const total = db.prepare<[string], {n: number}>('SELECT count(*) AS n FROM job WHERE state IN (SELECT value FROM json_each(?))').get(wanted)?.n ?? 0;
  const rows = db
    .prepare<[string, number], Row>(
      `SELECT j.notification_id, j.state, j.attempts, j.crashes, j.last_error, j.retry_at, j.updated_at,
              n.event_type, n.event_time, n.mailbox_id, n.received_at, n.raw
         FROM job j JOIN notification n ON n.id = j.notification_id
        WHERE j.state IN (SELECT value FROM json_each(?))
        ORDER BY j.notification_id LIMIT ?`,
    )
    .all(wanted, limit);
  const actions = new QueueActions(db);
  return {states: [...states], total, jobs: rows.map((r) => toEntry(r, actions))};
}

function toEntry(r: Row, actions: QueueActions): JobEntry {
  return {
    notificationId: r.notification_id,
    state: r.state,
    eventType: r.event_type,
    mailbox: mailboxName(r.raw),
    mailboxId: r.mailbox_id,
    eventTime: r.event_time,
    receivedAt: isoTime(r.received_at),
    updatedAt: isoTime(r.updated_at),
    attempts: r.attempts,
    crashes: r.crashes,
    lastError: r.last_error,
    retryAt: r.state === 'failed' && r.retry_at !== null ? isoTime(r.retry_at) : null,
    retries: actions.forJob(r.notification_id).filter((a) => a.action === 'job-retry'),
  };
}

/** The folder an event names, for display only: a job that cannot be parsed simply has none. */
function mailboxName(raw: Buffer): string | null {
  const parsed = parseNotification(raw.toString('utf8'));
  return parsed.ok ? (parsed.event.mailbox?.name ?? null) : null;
}

export interface RetriedJob {
  notificationId: number;
  /** Its state before: failed or dead. */
  fromState: JobState;
  attempts: number;
  crashes: number;
  lastError: string | null;
}

export interface RetrySummary {
  retried: RetriedJob[];
  /** Named jobs left alone because they were not failed or dead (pending, claimed or done). */
  skipped: Array<{notificationId: number; state: JobState}>;
}

export interface RetryOptions {
  /** Who asked (see `operatorName`). */
  actor: string;
  /** The operator's reason, recorded with each retry. */
  reason?: string | undefined;
  now?: number;
}

/**
 * Returns failed or dead jobs to pending with their counters (attempts, crashes, crashes_alone) reset, in
 * one IMMEDIATE transaction, recording each in `queue_action` with its state, counters and last error
 * before. `ids` names jobs by notification id; `'all-dead'` takes every dead job. A named job that does not
 * exist fails the whole call (exit 2, nothing changed); one in another state is skipped and reported.
 */
export function retryJobs(db: Db, ids: readonly number[] | 'all-dead', options: RetryOptions): RetrySummary {
  const now = options.now ?? Date.now();
  const select = db.prepare<[number], {state: JobState; attempts: number; crashes: number; last_error: string | null}>(
    'SELECT state, attempts, crashes, last_error FROM job WHERE notification_id = ?',
  );
  const reset = db.prepare<{id: number; now: number; from: string}>(
    `UPDATE job SET state = 'pending', attempts = 0, crashes = 0, crashes_alone = 0, retry_at = NULL, last_error = NULL,
            lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE notification_id = @id AND state = @from`,
  );
  const actions = new QueueActions(db);
  return db
    .transaction((): RetrySummary => {
      const targets =
        ids === 'all-dead' ? db.prepare<[], {id: number}>("SELECT notification_id AS id FROM job WHERE state = 'dead' ORDER BY notification_id").all().map((r) => r.id) : [...new Set(ids)];
      const missing = targets.filter((id) => select.get(id) === undefined);
      if (missing.length > 0) {
        throw new BonnieError('JobNotFound', `no job for notification ${missing.join(', ')}`, {
          exit: EXIT.usage,
          hint: 'Jobs are named by their notification id: see "bonnie queue list --state dead" (nothing was re-queued).',
        });
      }
      const summary: RetrySummary = {retried: [], skipped: []};
      for (const id of targets) {
        const job = select.get(id) as {state: JobState; attempts: number; crashes: number; last_error: string | null};
        if (!allows('retry', job.state, 'pending') || reset.run({id, now, from: job.state}).changes !== 1) {
          summary.skipped.push({notificationId: id, state: job.state});
          continue;
        }
        actions.record({
          at: now,
          actor: options.actor,
          action: 'job-retry',
          notificationId: id,
          fromState: job.state,
          detail: `returned to pending from ${job.state} after ${job.attempts} attempt(s) and ${job.crashes} crash(es); last error: ${job.last_error ?? 'none recorded'}`,
          reason: options.reason,
        });
        summary.retried.push({notificationId: id, fromState: job.state, attempts: job.attempts, crashes: job.crashes, lastError: job.last_error});
      }
      return summary;
    })
    .immediate();
}
