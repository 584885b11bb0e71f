/**
 * The transport record read back (schema.ts): queue entries by queue ID, Message-ID, sender, recipient
 * and time; their deliveries; the entry a delivery's `queued as` names on the next hop; rejects; lmtpd
 * deliveries. With transport-writer.ts, the only module that names these tables. Rows are mapped to the
 * nouns below; times are ms since the epoch.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {DeliveryStatus} from '../../sources/maillog/record.js';

/** How far apart (ms) a delivery's `queued as X` and the next hop's first line of X may be: clocks drift. */
export const HOP_WINDOW_MS = 10 * 60 * 1000;

/** One queue entry on one host. */
export interface QueueEntry {
  id: number;
  host: string;
  mta: 'postfix' | 'exim';
  queueId: string;
  origin: 'client' | 'pickup' | 'notice' | 'unknown';
  client: string | null;
  protocol: string | null;
  sender: string | null;
  size: number | null;
  nrcpt: number | null;
  messageId: string | null;
  /** The entry this one is a notice (bounce) of. */
  parentId: number | null;
  firstAt: number;
  lastAt: number;
  removedAt: number | null;
}

/** One delivery attempt of an entry to one recipient. */
export interface Delivery {
  id: number;
  entryId: number;
  at: number;
  program: string;
  recipient: string;
  origRecipient: string | null;
  relay: string | null;
  status: Exclude<DeliveryStatus, 'rejected'>;
  dsn: string | null;
  reason: string | null;
  nextQueueId: string | null;
  sessionId: string | null;
}

/** A refusal before a queue entry existed. */
export interface Reject {
  id: number;
  host: string;
  at: number;
  program: string;
  client: string | null;
  sender: string | null;
  recipient: string | null;
  dsn: string | null;
  reason: string | null;
}

/** Cyrus lmtpd's own line: a message stored in a mailbox. */
export interface MailboxDelivery {
  id: number;
  host: string;
  at: number;
  program: string;
  messageId: string | null;
  mailbox: string;
  sessionId: string | null;
}

/** Which entries to list: each bound optional; addresses compared case-insensitively. */
export interface EntryFilter {
  from?: string;
  to?: string;
  since?: number;
  until?: number;
  limit: number;
}

/** A row of mta_message as stored (the writer reads a subset of it). */
export type EntryRow = {
  id: number;
  host: string;
  mta: 'postfix' | 'exim';
  queue_id: string;
  origin: QueueEntry['origin'];
  client: string | null;
  protocol: string | null;
  sender: string | null;
  size: number | null;
  nrcpt: number | null;
  message_id: string | null;
  parent_id: number | null;
  first_at: number;
  last_at: number;
  removed_at: number | null;
};

type DeliveryRow = {
  id: number;
  mta_message_id: number;
  at: number;
  program: string;
  recipient: string;
  orig_recipient: string | null;
  relay: string | null;
  status: Delivery['status'];
  dsn: string | null;
  reason: string | null;
  next_queue_id: string | null;
  session_id: string | null;
};

const ENTRY = 'e.id, e.host, e.mta, e.queue_id, e.origin, e.client, e.protocol, e.sender, e.size, e.nrcpt, e.message_id, e.parent_id, e.first_at, e.last_at, e.removed_at';
const DELIVERY = 'd.id, d.mta_message_id, d.at, d.program, d.recipient, d.orig_recipient, d.relay, d.status, d.dsn, d.reason, d.next_queue_id, d.session_id';

export class TransportReader {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      entry: db.prepare<[number], EntryRow>(`SELECT ${ENTRY} FROM mta_message e WHERE e.id = ?`),
      byQueueId: db.prepare<[string], EntryRow>(`SELECT ${ENTRY} FROM mta_message e WHERE e.queue_id = ? ORDER BY e.first_at, e.id`),
      byMessageId: db.prepare<[string], EntryRow>(`SELECT ${ENTRY} FROM mta_message e WHERE e.message_id = ? ORDER BY e.first_at, e.id`),
      notices: db.prepare<[number], EntryRow>(`SELECT ${ENTRY} FROM mta_message e WHERE e.parent_id = ? ORDER BY e.first_at, e.id`),
      // The next hop: an entry with the queue ID the delivery was given, first seen near the delivery.
      nextHop: db.prepare<{queueId: string; at: number; window: number}, EntryRow>(
        `SELECT ${ENTRY} FROM mta_message e WHERE e.queue_id = @queueId AND e.first_at BETWEEN @at - @window AND @at + @window
         ORDER BY abs(e.first_at - @at), e.id LIMIT 1`,
      ),
      // The previous hop: deliveries that were given this entry's queue ID near its first line.
      previousHops: db.prepare<{queueId: string; at: number; window: number}, EntryRow>(
        `SELECT DISTINCT ${ENTRY} FROM mta_delivery d JOIN mta_message e ON e.id = d.mta_message_id
         WHERE d.next_queue_id = @queueId AND d.at BETWEEN @at - @window AND @at + @window ORDER BY e.first_at, e.id`,
      ),
      deliveries: db.prepare<[number], DeliveryRow>(`SELECT ${DELIVERY} FROM mta_delivery d WHERE d.mta_message_id = ? ORDER BY d.at, d.id`),
      filter: db.prepare<{from: string | null; to: string | null; since: number | null; until: number | null; limit: number}, EntryRow>(
        `SELECT ${ENTRY} FROM mta_message e
         WHERE (@from IS NULL OR e.sender = @from COLLATE NOCASE)
           AND (@to IS NULL OR EXISTS (SELECT 1 FROM mta_delivery d WHERE d.mta_message_id = e.id
                 AND (d.recipient = @to COLLATE NOCASE OR d.orig_recipient = @to COLLATE NOCASE)))
           AND (@since IS NULL OR e.last_at >= @since) AND (@until IS NULL OR e.first_at <= @until)
         ORDER BY e.first_at, e.id LIMIT @limit`,
      ),
      rejects: db.prepare<{from: string | null; to: string | null; since: number | null; until: number | null; limit: number}, Reject>(
        `SELECT id, host, at, program, client, sender, recipient, dsn, reason FROM mta_reject
         WHERE (@from IS NULL OR sender = @from COLLATE NOCASE) AND (@to IS NULL OR recipient = @to COLLATE NOCASE)
           AND (@since IS NULL OR at >= @since) AND (@until IS NULL OR at <= @until)
         ORDER BY at, id LIMIT @limit`,
      ),
      mailbox: db.prepare<[string], MailboxDelivery>(
        'SELECT id, host, at, program, message_id AS messageId, mailbox, session_id AS sessionId FROM mailbox_delivery WHERE message_id = ? ORDER BY at, id',
      ),
      counts: db.prepare<[], {entries: number; deliveries: number; rejects: number; mailbox: number}>(
        `SELECT (SELECT count(*) FROM mta_message) AS entries, (SELECT count(*) FROM mta_delivery) AS deliveries,
                (SELECT count(*) FROM mta_reject) AS rejects, (SELECT count(*) FROM mailbox_delivery) AS mailbox`,
      ),
    };
  }

  entry(id: number): QueueEntry | undefined {
    const row = this.s.entry.get(id);
    return row === undefined ? undefined : toEntry(row);
  }

  /** Entries with this queue ID, on any host, oldest first. */
  byQueueId(queueId: string): QueueEntry[] {
    return this.s.byQueueId.all(queueId).map(toEntry);
  }

  /** Entries of the message with this Message-ID (`<id@host>`), on any host, oldest first. */
  byMessageId(messageId: string): QueueEntry[] {
    return this.s.byMessageId.all(messageId).map(toEntry);
  }

  /** The notices (bounces) made from entry `id`. */
  notices(id: number): QueueEntry[] {
    return this.s.notices.all(id).map(toEntry);
  }

  /** The entry that delivery `delivery`'s `queued as` names, on the next hop. */
  nextHop(delivery: Delivery): QueueEntry | undefined {
    if (delivery.nextQueueId === null) return undefined;
    const row = this.s.nextHop.get({queueId: delivery.nextQueueId, at: delivery.at, window: HOP_WINDOW_MS});
    return row === undefined ? undefined : toEntry(row);
  }

  /** The entries whose delivery was given `entry`'s queue ID: where it came from. */
  previousHops(entry: QueueEntry): QueueEntry[] {
    return this.s.previousHops.all({queueId: entry.queueId, at: entry.firstAt, window: HOP_WINDOW_MS}).map(toEntry);
  }

  /** Entry `id`'s delivery attempts, oldest first. */
  deliveries(id: number): Delivery[] {
    return this.s.deliveries.all(id).map(toDelivery);
  }

  /** Entries by envelope sender, recipient (as delivered or as addressed) and time, oldest first. */
  filter(filter: EntryFilter): QueueEntry[] {
    return this.s.filter.all(bounds(filter)).map(toEntry);
  }

  /** Rejects by sender, recipient and time, oldest first. */
  rejects(filter: EntryFilter): Reject[] {
    return this.s.rejects.all(bounds(filter));
  }

  /** lmtpd's deliveries of the message with this Message-ID. */
  mailboxDeliveries(messageId: string): MailboxDelivery[] {
    return this.s.mailbox.all(messageId);
  }

  /**
   * A group's entries in the order the message went: by how many hops lie before each (a relay's entry
   * before the next hop's, a message before its notice), then by time. Hosts' clocks drift: the next hop may
   * log its first line a moment before the relay logged its delivery.
   */
  inPathOrder(group: readonly QueueEntry[]): QueueEntry[] {
    const ids = new Set(group.map((e) => e.id));
    const after = new Map<number, number[]>();
    const before = new Map<number, number>();
    const link = (from: number, to: number) => {
      if (from === to || !ids.has(from) || !ids.has(to)) return;
      after.set(from, [...(after.get(from) ?? []), to]);
      before.set(to, (before.get(to) ?? 0) + 1);
    };
    for (const entry of group) {
      for (const delivery of this.deliveries(entry.id)) {
        const hop = this.nextHop(delivery);
        if (hop !== undefined) link(entry.id, hop.id);
      }
      if (entry.parentId !== null) link(entry.parentId, entry.id);
    }
    const depth = new Map<number, number>();
    const todo = group.filter((e) => !before.has(e.id)).map((e) => e.id);
    for (const id of todo) depth.set(id, 0);
    while (todo.length > 0) {
      const id = todo.shift() as number;
      for (const next of after.get(id) ?? []) {
        if (depth.has(next)) continue;
        depth.set(next, (depth.get(id) as number) + 1);
        todo.push(next);
      }
    }
    const rank = (e: QueueEntry) => depth.get(e.id) ?? 0;
    return [...group].sort((a, b) => rank(a) - rank(b) || a.firstAt - b.firstAt || a.id - b.id);
  }

  /** How many rows each table holds. */
  counts(): {entries: number; deliveries: number; rejects: number; mailbox: number} {
    return this.s.counts.get() as {entries: number; deliveries: number; rejects: number; mailbox: number};
  }
}

function bounds(filter: EntryFilter): {from: string | null; to: string | null; since: number | null; until: number | null; limit: number} {
  return {from: filter.from ?? null, to: filter.to ?? null, since: filter.since ?? null, until: filter.until ?? null, limit: filter.limit};
}

function toEntry(row: EntryRow): QueueEntry {
  return {
    id: row.id,
    host: row.host,
    mta: row.mta,
    queueId: row.queue_id,
    origin: row.origin,
    client: row.client,
    protocol: row.protocol,
    sender: row.sender,
    size: row.size,
    nrcpt: row.nrcpt,
    messageId: row.message_id,
    parentId: row.parent_id,
    firstAt: row.first_at,
    lastAt: row.last_at,
    removedAt: row.removed_at,
  };
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    entryId: row.mta_message_id,
    at: row.at,
    program: row.program,
    recipient: row.recipient,
    origRecipient: row.orig_recipient,
    relay: row.relay,
    status: row.status,
    dsn: row.dsn,
    reason: row.reason,
    nextQueueId: row.next_queue_id,
    sessionId: row.session_id,
  };
}
