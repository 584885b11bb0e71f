/**
 * The mail outbox of DLP alerts: the one module that reads and writes `dlp_notify` (schema.ts, migration 19).
 *
 * Contracts:
 * - {@link NotifyOutbox.enqueue} runs in the transaction that raises the alert (alerts.ts), so an alert of a
 *   rule with the `notify` action always has its row, and a rolled-back batch leaves neither.
 * - deliverAlertMail (mail.ts) runs after that commit: each due row is mailed, then marked sent; a failure
 *   is logged, counted and retried later (backoff doubling from {@link FIRST_RETRY_MS} up to
 *   {@link MAX_RETRY_MS}), never dropped. A crash between the relay's answer and the mark sends that alert
 *   twice at worst (at least once, never lost).
 */
import type {Db} from '../../base/catalog/catalog.js';

/** The first retry of a failed mail waits a minute; each further one twice as long, at most an hour. */
export const FIRST_RETRY_MS = 60_000;
export const MAX_RETRY_MS = 3_600_000;
/** Alerts mailed per call at most (the rest wait for the next call). */
const BATCH = 100;

interface NotifyRow {
  alert_id: number;
  attempts: number;
}

/** The outbox's statements, prepared once. */
export class NotifyOutbox {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      enqueue: db.prepare<[number, number]>(`INSERT INTO dlp_notify (alert_id, state, next_at) VALUES (?, 'pending', ?) ON CONFLICT (alert_id) DO NOTHING`),
      due: db.prepare<[number, number], NotifyRow>(`SELECT alert_id, attempts FROM dlp_notify WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, alert_id LIMIT ?`),
      sent: db.prepare<[number, string | null, number]>(`UPDATE dlp_notify SET state = 'sent', sent_at = ?, message_id = ?, attempts = attempts + 1, last_error = NULL WHERE alert_id = ?`),
      failed: db.prepare<[number, string, number]>(`UPDATE dlp_notify SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE alert_id = ?`),
      pending: db.prepare<[], {n: number}>(`SELECT count(*) AS n FROM dlp_notify WHERE state = 'pending'`),
      state: db.prepare<[number], {state: string; attempts: number; last_error: string | null; message_id: string | null}>('SELECT state, attempts, last_error, message_id FROM dlp_notify WHERE alert_id = ?'),
    };
  }

  /** Queues alert `alertId`'s mail, due at once (idempotent). */
  enqueue(alertId: number, now: number): void {
    this.s.enqueue.run(alertId, now);
  }

  /** The alerts whose mail is due at `now`, oldest first. */
  due(now: number, limit = BATCH): NotifyRow[] {
    return this.s.due.all(now, limit);
  }

  markSent(alertId: number, now: number, messageId: string | null): void {
    this.s.sent.run(now, messageId, alertId);
  }

  /** Counts a failed attempt and sets the next one after the backoff. */
  markFailed(alertId: number, attempts: number, now: number, error: string): void {
    this.s.failed.run(now + retryDelay(attempts + 1), error.slice(0, 1000), alertId);
  }

  /** Mails not sent yet (due or waiting for a retry). */
  pending(): number {
    return this.s.pending.get()?.n ?? 0;
  }

  /** An alert's delivery state, undefined when its rule did not ask for mail. */
  state(alertId: number): {state: 'pending' | 'sent'; attempts: number; lastError: string | null; messageId: string | null} | undefined {
    const row = this.s.state.get(alertId);
    return row === undefined ? undefined : {state: row.state as 'pending' | 'sent', attempts: row.attempts, lastError: row.last_error, messageId: row.message_id};
  }
}

/** The wait before attempt `attempt + 1` after `attempt` failures (ms). */
export function retryDelay(failures: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
}
