/**
 * Messages and their placements read back by the read models (history, groupware, restore, search): THE
 * placement reference type, the placements of a message and their lineage, the placement at a folder's UID,
 * the placements of a folder that changed in a time window. Statements are prepared once per reader.
 *
 * UIDVALIDITY: a placement whose event carried none has NULL, and matches any; a caller that does not know
 * it passes 0 (the collector's "not known"), which matches any placement at that UID.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {Origin, Removal} from './messages.js';

/** One placement (a message in a folder under one UID), with its message's emailid. */
export interface PlacementRef {
  id: number;
  mailboxId: string;
  uidValidity: number | null;
  uid: number;
  /** The record's message row. */
  message: number;
  emailId: string | null;
  origin: Origin;
  /** Where a copy or move came from. */
  sourcePlacementId: number | null;
  /** Now, or when it was removed. */
  flags: string[];
  /** ms since the epoch. */
  addedAt: number;
  removedAt: number | null;
  removal: Removal | null;
}

/** A message as the record knows it (from Cyrus' envelope). */
export interface MessageRow {
  id: number;
  email_id: string | null;
  message_id: string | null;
  subject: string | null;
  sender: string | null;
  sent_date: string | null;
  size: number | null;
  first_seen_at: number;
}

/** A placement of a folder with its message's size, for a folder's state at an instant. */
export interface WindowPlacement {
  uid: number;
  message: number;
  flags: string[];
  addedAt: number;
  removedAt: number | null;
  size: number | null;
}

interface Row {
  id: number;
  mailbox_id: string;
  uid_validity: number | null;
  uid: number;
  message: number;
  email_id: string | null;
  origin: Origin;
  source_placement_id: number | null;
  flags: string;
  added_at: number;
  removed_at: number | null;
  removal: Removal | null;
}

const COLUMNS = 'p.id, p.mailbox_id, p.uid_validity, p.uid, p.message, m.email_id, p.origin, p.source_placement_id, p.flags, p.added_at, p.removed_at, p.removal';
const FROM = 'placement p JOIN message m ON m.id = p.message';

export class PlacementReader {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      message: db.prepare<[number], MessageRow>('SELECT id, email_id, message_id, subject, sender, sent_date, size, first_seen_at FROM message WHERE id = ?'),
      byId: db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.id = ?`),
      ofMessage: db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.message = ?`),
      copies: db.prepare<[number], Row>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.source_placement_id = ?`),
      // Each an equality on UNIQUE (mailbox_id, uid_validity, uid); the last reads the folder's placements.
      exact: db.prepare<[string, number | null, number], Row>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.mailbox_id = ? AND p.uid_validity IS ? AND p.uid = ?`),
      anyValidity: db.prepare<[string, number], Row>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.mailbox_id = ? AND p.uid = ? ORDER BY p.id DESC LIMIT 1`),
      window: db.prepare<{mailbox: string; validity: number; since: number; until: number}, {uid: number; message: number; flags: string; added_at: number; removed_at: number | null; size: number | null}>(
        `SELECT p.uid, p.message, p.flags, p.added_at, p.removed_at, m.size FROM ${FROM}
         WHERE p.mailbox_id = @mailbox AND coalesce(p.uid_validity, @validity) = @validity AND ((p.added_at > @since AND p.added_at <= @until) OR p.removed_at IS NOT NULL)
         ORDER BY p.uid`,
      ),
      held: db.prepare<[string, number, number], {n: number}>(
        `SELECT count(*) AS n FROM placement WHERE mailbox_id IN (SELECT value FROM json_each(?)) AND added_at <= ? AND (removed_at IS NULL OR removed_at >= ?)`,
      ),
    };
  }

  /** How many placements the folders held at some time in [`from`, `to`] (ms): those there at `from` and those added since. */
  heldBetween(mailboxIds: readonly string[], from: number, to: number): number {
    return this.s.held.get(JSON.stringify(mailboxIds), to, from)?.n ?? 0;
  }

  /** The message's row, or undefined when the record has none. */
  message(id: number): MessageRow | undefined {
    return this.s.message.get(id);
  }

  byId(id: number): PlacementRef | undefined {
    const row = this.s.byId.get(id);
    return row === undefined ? undefined : toRef(row);
  }

  /** Every placement of message `message`. */
  ofMessage(message: number): PlacementRef[] {
    return this.s.ofMessage.all(message).map(toRef);
  }

  /** The placements copied or moved from placement `id`. */
  copiesOf(id: number): PlacementRef[] {
    return this.s.copies.all(id).map(toRef);
  }

  /**
   * The placement at UID `uid` of folder `mailboxId` under `uidValidity`, else the one recorded without
   * a UIDVALIDITY; with `uidValidity` 0, the newest at that UID under any.
   */
  at(mailboxId: string, uidValidity: number, uid: number): PlacementRef | undefined {
    const row = uidValidity === 0 ? this.s.anyValidity.get(mailboxId, uid) : (this.s.exact.get(mailboxId, uidValidity, uid) ?? this.s.exact.get(mailboxId, null, uid));
    return row === undefined ? undefined : toRef(row);
  }

  /** The placement at UID `uid` of folder `mailboxId` under exactly `uidValidity`, else the one recorded without one. */
  atValidity(mailboxId: string, uidValidity: number, uid: number): PlacementRef | undefined {
    const row = this.s.exact.get(mailboxId, uidValidity, uid) ?? this.s.exact.get(mailboxId, null, uid);
    return row === undefined ? undefined : toRef(row);
  }

  /**
   * `seeds` and, transitively, every placement related to them: its source, the copies and moves made of
   * it and (with `sameMessage`) every placement of its message. Each once, in the order found; `tag`
   * carries what each seed was found for to what is reached from it (the first seed that reaches it).
   */
  lineage<T>(seeds: ReadonlyArray<{placement: PlacementRef; tag: T}>, options: {sameMessage: boolean}): Array<{placement: PlacementRef; tag: T}> {
    const found = new Map<number, {placement: PlacementRef; tag: T}>();
    const queue = [...seeds];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (found.has(next.placement.id)) continue;
      found.set(next.placement.id, next);
      const {placement, tag} = next;
      const source = placement.sourcePlacementId === null ? undefined : this.byId(placement.sourcePlacementId);
      const related = [...(source === undefined ? [] : [source]), ...this.copiesOf(placement.id), ...(options.sameMessage ? this.ofMessage(placement.message) : [])];
      for (const r of related) if (!found.has(r.id)) queue.push({placement: r, tag});
    }
    return [...found.values()];
  }

  /**
   * The placements of folder `mailboxId` (under `uidValidity`, or recorded without one) added in
   * (`since`, `until`] or removed at any time (ms), with their message's size, by UID: what changed
   * a folder after a snapshot taken at `since`.
   */
  changedInFolder(mailboxId: string, uidValidity: number, since: number, until: number): WindowPlacement[] {
    return this.s.window.all({mailbox: mailboxId, validity: uidValidity, since, until}).map((r) => ({uid: r.uid, message: r.message, flags: JSON.parse(r.flags) as string[], addedAt: r.added_at, removedAt: r.removed_at, size: r.size}));
  }
}

function toRef(row: Row): PlacementRef {
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    uidValidity: row.uid_validity,
    uid: row.uid,
    message: row.message,
    emailId: row.email_id,
    origin: row.origin,
    sourcePlacementId: row.source_placement_id,
    flags: JSON.parse(row.flags) as string[],
    addedAt: row.added_at,
    removedAt: row.removed_at,
    removal: row.removal,
  };
}
