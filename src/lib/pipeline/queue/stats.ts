/** Figures about the queue for its readers (`bonnie status`, restore's limits), so that they name no queue table. */
import type {Db} from '../../base/catalog/catalog.js';
import {EVENT_TYPES} from '../../core/event/types.js';
import {JOB_STATES, type JobState} from './jobs.js';

/** A job that failed or was given up, as status lists it. */
export interface JobProblem {
  notificationId: number;
  eventType: string;
  state: 'failed' | 'dead';
  attempts: number;
  lastError: string | null;
  /** ms since the epoch; set while failed and waiting to be retried */
  retryAt: number | null;
}

export interface QueueCounts {
  byState: Record<JobState, number>;
  quarantined: number;
  /** When the oldest pending job's notification was received (ms), null when nothing is pending. */
  oldestPendingReceivedAt: number | null;
  /** When the longest-waiting pending job last changed (ms), null when nothing is pending. */
  pendingSince: number | null;
  /** Notifications of types bonnie does not know, by type. */
  unknownTypes: Record<string, number>;
  /** Deliveries beyond the first, over all notifications. */
  duplicateDeliveries: number;
  /** The newest `problemsShown` failed or dead jobs. */
  problems: JobProblem[];
}

export function queueCounts(db: Db, problemsShown: number): QueueCounts {
  const byState = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  for (const row of db.prepare<[], {state: JobState; n: number}>('SELECT state, count(*) AS n FROM job GROUP BY state').all()) byState[row.state] = row.n;
  const quarantined = db.prepare<[], {n: number}>('SELECT count(*) AS n FROM quarantine').get()?.n ?? 0;
  const oldest = db
    .prepare<[], {at: number | null}>(`SELECT min(n.received_at) AS at FROM job j JOIN notification n ON n.id = j.notification_id WHERE j.state = 'pending'`)
    .get()?.at;
  const pendingSince = db.prepare<[], {at: number | null}>("SELECT min(updated_at) AS at FROM job WHERE state = 'pending'").get()?.at;
  const known = EVENT_TYPES.map(() => '?').join(', ');
  const unknownTypes = Object.fromEntries(
    db
      .prepare<string[], {type: string; n: number}>(`SELECT event_type AS type, count(*) AS n FROM notification WHERE event_type NOT IN (${known}) GROUP BY event_type ORDER BY event_type`)
      .all(...EVENT_TYPES)
      .map((r) => [r.type, r.n]),
  );
  const problems = db
    .prepare<[number], {notification_id: number; event_type: string; state: 'failed' | 'dead'; attempts: number; last_error: string | null; retry_at: number | null}>(
      `SELECT j.notification_id, n.event_type, j.state, j.attempts, j.last_error, j.retry_at
         FROM job j JOIN notification n ON n.id = j.notification_id
        WHERE j.state IN ('failed', 'dead') ORDER BY j.updated_at DESC, j.notification_id DESC LIMIT ?`,
    )
    .all(problemsShown)
    .map((r) => ({notificationId: r.notification_id, eventType: r.event_type, state: r.state, attempts: r.attempts, lastError: r.last_error, retryAt: r.state === 'failed' ? r.retry_at : null}));
  const duplicateDeliveries = db.prepare<[], {n: number | null}>('SELECT sum(deliveries - 1) AS n FROM notification').get()?.n ?? 0;
  return {byState, quarantined, oldestPendingReceivedAt: oldest ?? null, pendingSince: pendingSince ?? null, unknownTypes, duplicateDeliveries, problems};
}

/**
 * Events about mailbox `mailboxId` received at or before `receivedBy` (ms) whose jobs are not processed yet
 * (pending, claimed or failed): until they are, the record is behind for that folder.
 */
export function unprocessedAbout(db: Db, mailboxId: string, receivedBy: number): number {
  return (
    db
      .prepare<[string, number], {n: number}>(
        "SELECT count(*) AS n FROM job j JOIN notification n ON n.id = j.notification_id WHERE j.state IN ('pending', 'claimed', 'failed') AND n.mailbox_id = ? AND n.received_at <= ?",
      )
      .get(mailboxId, receivedBy)?.n ?? 0
  );
}
