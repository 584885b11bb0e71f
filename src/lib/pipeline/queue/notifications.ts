/**
 * Accepted notifications read as evidence: the exact bytes and when and how they arrived, in id (arrival)
 * order. Read-only; the queue's ingester is the only writer. The evidence chain (process/chain.ts), gap
 * detection (capture/gaps.ts), the collector's job scan (collect/jobs.ts) and `bonnie status` read them
 * through this repository.
 */
import type {Db} from '../../base/catalog/catalog.js';

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

/** A notification whole, as the archive's record members carry it (archive format 2). */
export interface NotificationDump {
  id: number;
  sha256: Buffer;
  raw: Buffer;
  received_at: number;
  source: string;
  spill_file: string | null;
  event_type: string;
  event_time: string | null;
  mailbox_id: string | null;
  deliveries: number;
  last_delivered_at: number;
}

const DUMP_COLUMNS = 'id, sha256, raw, received_at, source, spill_file, event_type, event_time, mailbox_id, deliveries, last_delivered_at';

/** Notifications with `after` < id <= `upTo`, whole, in id order. */
export function dumpNotifications(db: Db, after: number, upTo: number): NotificationDump[] {
  return db.prepare<[number, number], NotificationDump>(`SELECT ${DUMP_COLUMNS} FROM notification WHERE id > ? AND id <= ? ORDER BY id`).all(after, upTo);
}

/**
 * Statements prepared on first use, then reused: each reader needs one or two of them, some on a hot path
 * (gap detection runs after every drain of the socket daemon).
 */
export class NotificationLog {
  private betweenStmt: ReturnType<typeof this.db.prepare<[number, number], NotificationRecord>> | undefined;
  private byIdStmt: ReturnType<typeof this.db.prepare<[number], NotificationRecord>> | undefined;
  private firstBetweenStmt: ReturnType<typeof this.db.prepare<[number, number], {id: number}>> | undefined;
  private countAfterStmt: ReturnType<typeof this.db.prepare<[number], {n: number}>> | undefined;
  private pageStmt: ReturnType<typeof this.db.prepare<[number, number], NotificationTyped>> | undefined;
  private latestAboutStmt: ReturnType<typeof this.db.prepare<[string], NotificationTyped>> | undefined;
  private pageReceivedStmt: ReturnType<typeof this.db.prepare<[number, number], NotificationRecord>> | undefined;

  constructor(private readonly db: Db) {}

  /** Notifications with `after` < id <= `upTo`, in id order (all in memory: the caller may write meanwhile). */
  between(after: number, upTo: number): NotificationRecord[] {
    this.betweenStmt ??= this.db.prepare<[number, number], NotificationRecord>('SELECT id, received_at, source, raw FROM notification WHERE id > ? AND id <= ? ORDER BY id');
    return this.betweenStmt.all(after, upTo);
  }

  byId(id: number): NotificationRecord | undefined {
    this.byIdStmt ??= this.db.prepare<[number], NotificationRecord>('SELECT id, received_at, source, raw FROM notification WHERE id = ?');
    return this.byIdStmt.get(id);
  }

  /** The lowest id strictly between `after` and `before`, if any. */
  firstIdBetween(after: number, before: number): number | undefined {
    this.firstBetweenStmt ??= this.db.prepare<[number, number], {id: number}>('SELECT id FROM notification WHERE id > ? AND id < ? ORDER BY id LIMIT 1');
    return this.firstBetweenStmt.get(after, before)?.id;
  }

  countAfter(id: number): number {
    this.countAfterStmt ??= this.db.prepare<[number], {n: number}>('SELECT count(*) AS n FROM notification WHERE id > ?');
    return this.countAfterStmt.get(id)?.n ?? 0;
  }

  /** At most `limit` notifications with id > `after`, in id order (in memory: the caller may write meanwhile). */
  page(after: number, limit: number): NotificationTyped[] {
    this.pageStmt ??= this.db.prepare<[number, number], NotificationTyped>('SELECT id, raw, event_type FROM notification WHERE id > ? ORDER BY id LIMIT ?');
    return this.pageStmt.all(after, limit);
  }

  /** At most `limit` notifications with id > `after`, in id order, with when they arrived (bonnie intercept serve). */
  pageReceived(after: number, limit: number): NotificationRecord[] {
    this.pageReceivedStmt ??= this.db.prepare<[number, number], NotificationRecord>('SELECT id, received_at, source, raw FROM notification WHERE id > ? ORDER BY id LIMIT ?');
    return this.pageReceivedStmt.all(after, limit);
  }

  /**
   * The Login and Logout notifications with `after` < id <= `upTo`, in id order (bonnie intercept serve
   * rebuilds the endpoints of the sessions open at its cursor from them).
   */
  sessionEvents(after: number, upTo: number): NotificationRecord[] {
    return this.db.prepare<[number, number], NotificationRecord>(
      "SELECT id, received_at, source, raw FROM notification WHERE id > ? AND id <= ? AND event_type IN ('Login', 'Logout') ORDER BY id",
    ).all(after, upTo);
  }

  /** The highest id, 0 when there is none. */
  lastId(): number {
    return this.db.prepare<[], {id: number | null}>('SELECT max(id) AS id FROM notification').get()?.id ?? 0;
  }

  /**
   * The id just before the first notification received at or after `at` (ms): a binary search over ids,
   * which grow with arrival (received_at has no index). Ids after it are the ones received since `at`.
   */
  lastIdBefore(at: number): number {
    const probe = this.db.prepare<[number], {id: number; received_at: number}>('SELECT id, received_at FROM notification WHERE id >= ? ORDER BY id LIMIT 1');
    let low = 0;
    let high = this.lastId();
    // Invariant: every notification with id <= low arrived before `at`; the one at `high` (if any) did not, or high is the last id.
    while (low < high) {
      const middle = Math.floor((low + high + 1) / 2);
      const row = probe.get(middle);
      if (row === undefined || row.received_at >= at) high = middle - 1;
      else low = row.id;
    }
    return low;
  }

  /** The newest notification about mailbox `mailboxId` (it names the folder as it is now). */
  latestAbout(mailboxId: string): NotificationTyped | undefined {
    // Newest first: found quickly for a live folder.
    this.latestAboutStmt ??= this.db.prepare<[string], NotificationTyped>('SELECT id, raw, event_type FROM notification WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1');
    return this.latestAboutStmt.get(mailboxId);
  }
}
