/**
 * Stores parsed MTA log records (sources/maillog) as the transport record: queue entries, deliveries,
 * rejects, lmtpd deliveries (schema.ts). One of the two modules that name these tables (transport-reader.ts
 * reads them). The caller runs `store` and then `flush` inside its transaction, with the file position
 * (files.ts), so a line's records are stored exactly once.
 *
 * An entry's facts are gathered in memory as its lines come (client, Message-ID, sender and size, its
 * deliveries, removed) and written when it is removed or at the end of the batch: most entries are opened
 * and removed within one batch and cost one INSERT, not a write per line (bench/maillog.js).
 *
 * A record with a queue ID belongs to the host's open entry with that ID: the newest row for (host, queue
 * ID) not yet removed and seen within ENTRY_LIFETIME_MS. Postfix reuses short queue IDs once an entry is
 * removed, so `removed` closes the row and the next line with that ID opens a new one. Lines of one host
 * must come in the order they were written (files.ts reads a host's rotated files oldest first); the join
 * across hosts happens when reading (transport-reader.ts), so hosts' files may come in any order.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {MaillogRecord} from '../../sources/maillog/record.js';
import type {EntryRow as StoredEntryRow, QueueEntry} from './transport-reader.js';

/**
 * An entry not seen for this long is over even without its `removed` line (a log lost in rotation):
 * longer than Postfix's maximal_queue_lifetime (5 d) and Exim's timeout_frozen_after/retry limits (7 d).
 */
export const ENTRY_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;

/** How many hosts' open entries are kept in memory; beyond it, the oldest is written and looked up again when seen. */
const CACHE_LIMIT = 100_000;

type Origin = QueueEntry['origin'];

/** A delivery attempt waiting for its entry's row: positional values of the INSERT after the entry id. */
type PendingDelivery = [at: number, program: string, recipient: string, origRecipient: string | null, relay: string | null, status: string, dsn: string | null, reason: string | null, nextQueueId: string | null, sessionId: string | null];

/** An entry as it is being written: its row's columns, whether they changed, its deliveries not yet written. */
interface OpenEntry {
  /** null until its row is inserted. */
  id: number | null;
  host: string;
  mta: 'postfix' | 'exim';
  queueId: string;
  origin: Origin;
  client: string | null;
  protocol: string | null;
  sender: string | null;
  size: number | null;
  nrcpt: number | null;
  messageId: string | null;
  /** The entry this one is a notice of (its row is written first). */
  parent: OpenEntry | null;
  parentId: number | null;
  firstAt: number;
  lastAt: number;
  removedAt: number | null;
  dirty: boolean;
  deliveries: PendingDelivery[];
}

/** What the writer reads back of an open entry. */
type EntryRow = Omit<StoredEntryRow, 'host' | 'queue_id' | 'removed_at'>;

/** What a batch stored, by kind of row. */
export interface StoredCounts {
  entries: number;
  deliveries: number;
  rejects: number;
  mailboxDeliveries: number;
}

type Values = Array<string | number | null>;

export class TransportWriter {
  private readonly s;
  /**
   * Open entries by host and queue ID, oldest first (a Map keeps insertion order). An entry leaving it
   * (removed, evicted, expired) is written at once, so that a lookup of its queue ID in the table never
   * finds a row older than what is in memory.
   */
  private readonly open = new Map<string, OpenEntry>();
  readonly counts: StoredCounts = {entries: 0, deliveries: 0, rejects: 0, mailboxDeliveries: 0};

  constructor(db: Db) {
    // Positional parameters: binding an array is cheaper than an object's named properties, per line.
    this.s = {
      find: db.prepare<[string, string, number], EntryRow>(
        `SELECT id, mta, origin, client, protocol, sender, size, nrcpt, message_id, parent_id, first_at, last_at FROM mta_message
         WHERE host = ? AND queue_id = ? AND removed_at IS NULL AND last_at >= ?
         ORDER BY first_at DESC, id DESC LIMIT 1`,
      ),
      insert: db.prepare<Values>(
        `INSERT INTO mta_message (host, mta, queue_id, origin, client, protocol, sender, size, nrcpt, message_id, parent_id, first_at, last_at, removed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare<Values>(
        `UPDATE mta_message SET origin = ?, client = ?, protocol = ?, sender = ?, size = ?, nrcpt = ?, message_id = ?, parent_id = ?,
           last_at = ?, removed_at = ? WHERE id = ?`,
      ),
      delivery: db.prepare<Values>(
        `INSERT INTO mta_delivery (mta_message_id, at, program, recipient, orig_recipient, relay, status, dsn, reason, next_queue_id, session_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      reject: db.prepare<Values>(`INSERT INTO mta_reject (host, at, program, client, sender, recipient, dsn, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      mailbox: db.prepare<Values>(`INSERT INTO mailbox_delivery (host, at, program, message_id, mailbox, session_id) VALUES (?, ?, ?, ?, ?, ?)`),
    };
  }

  /** Stores one record (in memory until `flush` for queue entries). Call inside a transaction. */
  store(record: MaillogRecord): void {
    switch (record.kind) {
      case 'reject':
        this.s.reject.run(record.host, record.time, record.program, record.client ?? null, record.from ?? null, record.to ?? null, record.dsn ?? null, record.reason ?? null);
        this.counts.rejects++;
        return;
      case 'mailbox':
        if (record.mailbox === undefined) return;
        this.s.mailbox.run(record.host, record.time, record.program, record.messageId ?? null, record.mailbox, record.sessionId ?? null);
        this.counts.mailboxDeliveries++;
        return;
      default:
        this.storeQueued(record);
    }
  }

  /** Writes what changed in the open entries. Call at the end of each batch, in its transaction. */
  flush(): void {
    for (const entry of this.open.values()) this.write(entry);
  }

  private storeQueued(record: MaillogRecord): void {
    if (record.queueId === undefined || (record.mta !== 'postfix' && record.mta !== 'exim')) return;
    const origin: Origin | null = record.kind === 'client' || record.kind === 'pickup' ? record.kind : null;
    const entry = this.entry(record, record.queueId, origin ?? 'unknown');
    if (record.kind === 'notice' && record.nextQueueId !== undefined) {
      // The notice (a bounce or delay report) is an entry of its own, made from this one.
      const notice = this.entry(record, record.nextQueueId, 'notice');
      notice.origin = 'notice';
      if (notice.parentId === null && notice.parent === null) notice.parent = entry;
      touch(notice, record.time);
    }
    if (record.kind === 'delivery' && record.status !== undefined && record.status !== 'rejected') {
      entry.deliveries.push([
        record.time,
        record.program,
        record.to ?? '',
        record.origTo ?? null,
        record.relay ?? null,
        record.status,
        record.dsn ?? null,
        record.reason ?? null,
        record.nextQueueId ?? null,
        record.sessionId ?? null,
      ]);
    } else if (record.kind !== 'notice') {
      // A later line adds what an earlier one lacked, never erases it: the first value wins for the
      // message's own facts (a bounce's qmgr line repeats from= and size=).
      if (origin !== null && entry.origin === 'unknown') entry.origin = origin;
      entry.client ??= record.client ?? null;
      entry.protocol ??= record.protocol ?? null;
      entry.sender ??= record.from ?? null;
      entry.size ??= record.size ?? null;
      entry.nrcpt ??= record.nrcpt ?? null;
      entry.messageId ??= record.messageId ?? null;
    }
    touch(entry, record.time);
    if (record.kind === 'removed') {
      entry.removedAt ??= record.time;
      this.close(key(record.host, record.queueId), entry);
    }
  }

  /** Writes the entry's row (INSERT the first time, UPDATE when it changed since) and its pending deliveries. */
  private write(entry: OpenEntry): void {
    if (entry.parent !== null) {
      if (entry.parent.id === null) this.write(entry.parent);
      entry.parentId = entry.parent.id;
      entry.parent = null;
    }
    if (entry.id === null) {
      const values: Values = [entry.host, entry.mta, entry.queueId, entry.origin, entry.client, entry.protocol, entry.sender, entry.size, entry.nrcpt, entry.messageId, entry.parentId, entry.firstAt, entry.lastAt, entry.removedAt];
      entry.id = Number(this.s.insert.run(...values).lastInsertRowid);
      this.counts.entries++;
    } else if (entry.dirty) {
      this.s.update.run(entry.origin, entry.client, entry.protocol, entry.sender, entry.size, entry.nrcpt, entry.messageId, entry.parentId, entry.lastAt, entry.removedAt, entry.id);
    }
    entry.dirty = false;
    for (const d of entry.deliveries) this.s.delivery.run(entry.id, ...d);
    this.counts.deliveries += entry.deliveries.length;
    entry.deliveries.length = 0;
  }

  /** Writes the entry and forgets it: the next line with its queue ID looks it up again. */
  private close(k: string, entry: OpenEntry): void {
    this.write(entry);
    this.open.delete(k);
  }

  /** The open entry for (host, queue ID): in memory, else the newest open row, else a new one. */
  private entry(record: MaillogRecord, queueId: string, origin: Origin): OpenEntry {
    const k = key(record.host, queueId);
    const cached = this.open.get(k);
    if (cached !== undefined && record.time - cached.lastAt <= ENTRY_LIFETIME_MS) return cached;
    // Not seen for longer than any queue keeps a message: over, its `removed` line lost.
    if (cached !== undefined) this.close(k, cached);
    const found = cached === undefined ? this.s.find.get(record.host, queueId, record.time - ENTRY_LIFETIME_MS) : undefined;
    const entry: OpenEntry = {
      id: found?.id ?? null,
      host: record.host,
      mta: found?.mta ?? (record.mta === 'exim' ? 'exim' : 'postfix'),
      queueId,
      origin: found?.origin ?? origin,
      client: found?.client ?? null,
      protocol: found?.protocol ?? null,
      sender: found?.sender ?? null,
      size: found?.size ?? null,
      nrcpt: found?.nrcpt ?? null,
      messageId: found?.message_id ?? null,
      parent: null,
      parentId: found?.parent_id ?? null,
      firstAt: found?.first_at ?? record.time,
      lastAt: found?.last_at ?? record.time,
      removedAt: null,
      dirty: false,
      deliveries: [],
    };
    if (this.open.size >= CACHE_LIMIT) {
      const oldest = this.open.keys().next().value as string;
      this.close(oldest, this.open.get(oldest) as OpenEntry);
    }
    this.open.set(k, entry);
    return entry;
  }
}

function touch(entry: OpenEntry, at: number): void {
  if (at > entry.lastAt) entry.lastAt = at;
  entry.dirty = true;
}

function key(host: string, queueId: string): string {
  return `${host}\u0000${queueId}`;
}
