/**
 * Accepted notifications read as evidence: the exact bytes and when and how they arrived, in id (arrival)
 * order. Read-only; the queue's ingester is the only writer. The evidence chain (process/chain.ts) and the
 * collector's job scan (collect/jobs.ts) read them through this repository.
 */
import type {Db} from '../catalog/catalog.js';

/** One accepted notification as the evidence chain hashes it. */
export interface NotificationRecord {
  id: number;
  /** ms since the epoch */
  received_at: number;
  source: string;
  raw: Buffer;
}

/** A notification as its readers dispatch on it: the type Cyrus gave, and the bytes to parse. */
export interface NotificationTyped {
  id: number;
  raw: Buffer;
  event_type: string;
}

/** Statements prepared once per connection. */
export class NotificationLog {
  private readonly betweenStmt;
  private readonly byIdStmt;
  private readonly firstBetweenStmt;
  private readonly countAfterStmt;
  private readonly pageStmt;
  private readonly latestAboutStmt;

  constructor(db: Db) {
    this.betweenStmt = db.prepare<[number, number], NotificationRecord>('SELECT id, received_at, source, raw FROM notification WHERE id > ? AND id <= ? ORDER BY id');
    this.byIdStmt = db.prepare<[number], NotificationRecord>('SELECT id, received_at, source, raw FROM notification WHERE id = ?');
    this.firstBetweenStmt = db.prepare<[number, number], {id: number}>('SELECT id FROM notification WHERE id > ? AND id < ? ORDER BY id LIMIT 1');
    this.countAfterStmt = db.prepare<[number], {n: number}>('SELECT count(*) AS n FROM notification WHERE id > ?');
    this.pageStmt = db.prepare<[number, number], NotificationTyped>('SELECT id, raw, event_type FROM notification WHERE id > ? ORDER BY id LIMIT ?');
    // Newest first: found quickly for a live folder.
    this.latestAboutStmt = db.prepare<[string], NotificationTyped>('SELECT id, raw, event_type FROM notification WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1');
  }

  /** At most `limit` notifications with id > `after`, in id order. */
  page(after: number, limit: number): NotificationTyped[] {
    return this.pageStmt.all(after, limit);
  }

  /** The newest notification about mailbox `mailboxId` (it names the folder as it is now). */
  latestAbout(mailboxId: string): NotificationTyped | undefined {
    return this.latestAboutStmt.get(mailboxId);
  }

  /** Notifications with `after` < id <= `upTo`, in id order (all in memory: the caller may write meanwhile). */
  between(after: number, upTo: number): NotificationRecord[] {
    return this.betweenStmt.all(after, upTo);
  }

  byId(id: number): NotificationRecord | undefined {
    return this.byIdStmt.get(id);
  }

  /** The lowest id strictly between `after` and `before`, if any. */
  firstIdBetween(after: number, before: number): number | undefined {
    return this.firstBetweenStmt.get(after, before)?.id;
  }

  countAfter(id: number): number {
    return this.countAfterStmt.get(id)?.n ?? 0;
  }
}
