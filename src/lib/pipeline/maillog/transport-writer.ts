/**
 * Stores parsed MTA log records (sources/maillog) as the transport record: queue entries, deliveries,
 * rejects, lmtpd deliveries (schema.ts). One of the two modules that name these tables (transport-reader.ts
 * reads them). The caller runs `store` inside its transaction, with the file position (files.ts), so a
 * line's records are stored exactly once.
 *
 * A record with a queue ID belongs to the host's open entry with that ID: the newest row for (host, queue
 * ID) not yet removed and seen within ENTRY_LIFETIME_MS. Postfix reuses short queue IDs once an entry is
 * removed, so `removed` closes the row and the next line with that ID opens a new one. Lines of one host
 * must come in the order they were written (files.ts reads a host's rotated files oldest first); the join
 * across hosts happens when reading (transport-reader.ts), so hosts' files may come in any order.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {MaillogRecord} from '../../sources/maillog/record.js';

/**
 * An entry not seen for this long is over even without its `removed` line (a log lost in rotation):
 * longer than Postfix's maximal_queue_lifetime (5 d) and Exim's timeout_frozen_after/retry limits (7 d).
 */
export const ENTRY_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;

/** How many hosts' open entries are cached; beyond it, the oldest are looked up again when seen. */
const CACHE_LIMIT = 100_000;

type Origin = 'client' | 'pickup' | 'notice' | 'unknown';

interface Open {
  id: number;
  lastAt: number;
}

/** What a batch stored, by kind of row. */
export interface StoredCounts {
  entries: number;
  deliveries: number;
  rejects: number;
  mailboxDeliveries: number;
}

export class TransportWriter {
  private readonly s;
  private readonly open = new Map<string, Open>();
  readonly counts: StoredCounts = {entries: 0, deliveries: 0, rejects: 0, mailboxDeliveries: 0};

  constructor(db: Db) {
    this.s = {
      find: db.prepare<{host: string; queueId: string; after: number}, {id: number; last_at: number}>(
        `SELECT id, last_at FROM mta_message
         WHERE queue_id = @queueId AND host = @host AND removed_at IS NULL AND last_at >= @after
         ORDER BY first_at DESC, id DESC LIMIT 1`,
      ),
      insert: db.prepare<{host: string; mta: string; queueId: string; origin: Origin; at: number}>(
        `INSERT INTO mta_message (host, mta, queue_id, origin, first_at, last_at) VALUES (@host, @mta, @queueId, @origin, @at, @at)`,
      ),
      // coalesce: a later line adds what an earlier one lacked, never erases it; the first value wins for
      // the message's own facts (a bounce's qmgr line repeats from= and size=).
      update: db.prepare<{
        id: number;
        at: number;
        origin: Origin | null;
        client: string | null;
        protocol: string | null;
        sender: string | null;
        size: number | null;
        nrcpt: number | null;
        messageId: string | null;
        parentId: number | null;
        removedAt: number | null;
      }>(
        `UPDATE mta_message SET
           origin = CASE WHEN @origin IS NULL OR (origin != 'unknown' AND @origin != 'notice') THEN origin ELSE @origin END,
           client = coalesce(client, @client), protocol = coalesce(protocol, @protocol),
           sender = coalesce(sender, @sender), size = coalesce(size, @size), nrcpt = coalesce(nrcpt, @nrcpt),
           message_id = coalesce(message_id, @messageId), parent_id = coalesce(parent_id, @parentId),
           last_at = max(last_at, @at), removed_at = coalesce(removed_at, @removedAt)
         WHERE id = @id`,
      ),
      delivery: db.prepare<{
        entry: number;
        at: number;
        program: string;
        recipient: string;
        origRecipient: string | null;
        relay: string | null;
        status: string;
        dsn: string | null;
        reason: string | null;
        nextQueueId: string | null;
        sessionId: string | null;
      }>(
        `INSERT INTO mta_delivery (mta_message_id, at, program, recipient, orig_recipient, relay, status, dsn, reason, next_queue_id, session_id)
         VALUES (@entry, @at, @program, @recipient, @origRecipient, @relay, @status, @dsn, @reason, @nextQueueId, @sessionId)`,
      ),
      reject: db.prepare<{host: string; at: number; program: string; client: string | null; sender: string | null; recipient: string | null; dsn: string | null; reason: string | null}>(
        `INSERT INTO mta_reject (host, at, program, client, sender, recipient, dsn, reason)
         VALUES (@host, @at, @program, @client, @sender, @recipient, @dsn, @reason)`,
      ),
      mailbox: db.prepare<{host: string; at: number; program: string; messageId: string | null; mailbox: string; sessionId: string | null}>(
        `INSERT INTO mailbox_delivery (host, at, program, message_id, mailbox, session_id) VALUES (@host, @at, @program, @messageId, @mailbox, @sessionId)`,
      ),
    };
  }

  /** Stores one record. Call inside a transaction. */
  store(record: MaillogRecord): void {
    switch (record.kind) {
      case 'reject':
        this.s.reject.run({
          host: record.host,
          at: record.time,
          program: record.program,
          client: record.client ?? null,
          sender: record.from ?? null,
          recipient: record.to ?? null,
          dsn: record.dsn ?? null,
          reason: record.reason ?? null,
        });
        this.counts.rejects++;
        return;
      case 'mailbox':
        if (record.mailbox === undefined) return;
        this.s.mailbox.run({host: record.host, at: record.time, program: record.program, messageId: record.messageId ?? null, mailbox: record.mailbox, sessionId: record.sessionId ?? null});
        this.counts.mailboxDeliveries++;
        return;
      default:
        this.storeQueued(record);
    }
  }

  private storeQueued(record: MaillogRecord): void {
    if (record.queueId === undefined || (record.mta !== 'postfix' && record.mta !== 'exim')) return;
    const origin: Origin | null = record.kind === 'client' || record.kind === 'pickup' ? record.kind : null;
    const entry = this.entry(record, record.queueId, origin ?? 'unknown');
    if (record.kind === 'notice' && record.nextQueueId !== undefined) {
      // The notice (a bounce or delay report) is an entry of its own, made from this one.
      const notice = this.entry(record, record.nextQueueId, 'notice');
      this.update(notice, record, {origin: 'notice', parentId: entry});
    }
    if (record.kind === 'delivery' && record.status !== undefined && record.status !== 'rejected') {
      this.s.delivery.run({
        entry,
        at: record.time,
        program: record.program,
        recipient: record.to ?? '',
        origRecipient: record.origTo ?? null,
        relay: record.relay ?? null,
        status: record.status,
        dsn: record.dsn ?? null,
        reason: record.reason ?? null,
        nextQueueId: record.nextQueueId ?? null,
        sessionId: record.sessionId ?? null,
      });
      this.counts.deliveries++;
    }
    this.update(entry, record, {origin, parentId: null, removed: record.kind === 'removed'});
    if (record.kind === 'removed') this.open.delete(key(record.host, record.queueId));
  }

  private update(id: number, record: MaillogRecord, options: {origin: Origin | null; parentId: number | null; removed?: boolean}): void {
    const facts = record.kind !== 'delivery' && record.kind !== 'notice';
    this.s.update.run({
      id,
      at: record.time,
      origin: options.origin,
      client: facts ? (record.client ?? null) : null,
      protocol: facts ? (record.protocol ?? null) : null,
      sender: facts ? (record.from ?? null) : null,
      size: facts ? (record.size ?? null) : null,
      nrcpt: facts ? (record.nrcpt ?? null) : null,
      messageId: facts ? (record.messageId ?? null) : null,
      parentId: options.parentId,
      removedAt: options.removed === true ? record.time : null,
    });
  }

  /** The open entry for (host, queue ID), made if there is none. */
  private entry(record: MaillogRecord, queueId: string, origin: Origin): number {
    const k = key(record.host, queueId);
    const cached = this.open.get(k);
    if (cached !== undefined && record.time - cached.lastAt <= ENTRY_LIFETIME_MS) {
      cached.lastAt = Math.max(cached.lastAt, record.time);
      return cached.id;
    }
    const found = this.s.find.get({host: record.host, queueId, after: record.time - ENTRY_LIFETIME_MS});
    let id: number;
    if (found !== undefined) id = found.id;
    else {
      id = Number(this.s.insert.run({host: record.host, mta: record.mta === 'exim' ? 'exim' : 'postfix', queueId, origin, at: record.time}).lastInsertRowid);
      this.counts.entries++;
    }
    if (this.open.size >= CACHE_LIMIT) this.open.delete(this.open.keys().next().value as string);
    this.open.set(k, {id, lastAt: Math.max(found?.last_at ?? record.time, record.time)});
    return id;
  }
}

function key(host: string, queueId: string): string {
  return `${host}\u0000${queueId}`;
}
