/**
 * The handover queue (issue 16, item 3) in the interception store: each PDU to hand over, numbered per
 * intercept and destination, and where `bonnie intercept serve` is in the catalog's notifications.
 *
 * Contracts:
 * - Sequence numbers start at 0 and grow by 1 per intercept and destination (HI2: IRI, HI3: CC), in the
 *   order PDUs are enqueued; the number is given before the PDU is encoded (it is inside the PDU).
 * - {@link HandoverQueue.enqueueEvents} writes events' PDUs and moves the cursor past them in ONE
 *   transaction: after a crash the events are mapped again from scratch, or not at all. Nothing is lost and
 *   nothing is numbered twice across a restart.
 * - A PDU is delivered once: `delivered_at` is set when the socket write of its bytes completed (or its
 *   file was renamed into the folder), and a delivered PDU is never read for sending again.
 */
import {createHash} from 'node:crypto';
import type {Db} from '../../base/catalog/catalog.js';

/** HI2 carries intercept-related information (IRI); HI3 the content of communication (CC). */
export type Hi = 2 | 3;

/** One queued PDU. */
export interface QueuedPdu {
  interceptId: number;
  hi: Hi;
  seq: number;
  /** The catalog notification it was made from. */
  eventId: number;
  /** ms since the epoch */
  enqueuedAt: number;
  pdu: Buffer;
}

/** What one event gives one intercept on one destination; `encode` receives the sequence number. */
export interface PduToEnqueue {
  interceptId: number;
  hi: Hi;
  encode: (seq: number) => Uint8Array;
}

/** Where one destination's handover stands (bonnie intercept list). */
export interface HandoverState {
  /** PDUs queued so far (numbered 0 to queued - 1). */
  queued: number;
  delivered: number;
  /** Queued and not delivered yet: the agency is down, or serve is not running. */
  waiting: number;
  /** When the oldest waiting PDU was queued (ms), or null. */
  waitingSince: number | null;
  /** When the last PDU was handed over (ms), or null. */
  lastDeliveredAt: number | null;
}

/** The name of the cursor `bonnie intercept serve` keeps. */
export const SERVE_CURSOR = 'serve';

export class HandoverQueue {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      lastSeq: db.prepare<[number, number], {seq: number}>('SELECT seq FROM intercept_pdu WHERE intercept_id = ? AND hi = ? ORDER BY seq DESC LIMIT 1'),
      insert: db.prepare<[number, number, number, number, number, Buffer]>('INSERT INTO intercept_pdu (intercept_id, hi, seq, event_id, enqueued_at, pdu) VALUES (?, ?, ?, ?, ?, ?)'),
      pending: db.prepare<[number, number, number, number], PduRow>(
        'SELECT intercept_id, hi, seq, event_id, enqueued_at, pdu FROM intercept_pdu WHERE intercept_id = ? AND hi = ? AND delivered_at IS NULL AND seq > ? ORDER BY seq LIMIT ?',
      ),
      deliver: db.prepare<[number, number, number, number]>('UPDATE intercept_pdu SET delivered_at = ? WHERE intercept_id = ? AND hi = ? AND seq = ? AND delivered_at IS NULL'),
      hasPending: db.prepare<[number, number], {one: number}>('SELECT 1 AS one FROM intercept_pdu WHERE intercept_id = ? AND hi = ? AND delivered_at IS NULL LIMIT 1'),
      counts: db.prepare<[number, number], {queued: number; delivered: number}>(
        'SELECT count(*) AS queued, count(delivered_at) AS delivered FROM intercept_pdu WHERE intercept_id = ? AND hi = ?',
      ),
      toPurge: db.prepare<[number, number], {intercept_id: number; hi: number; seq: number; pdu: Buffer}>(
        'SELECT intercept_id, hi, seq, pdu FROM intercept_pdu WHERE purged_at IS NULL AND delivered_at IS NOT NULL AND delivered_at <= ? ORDER BY delivered_at LIMIT ?',
      ),
      purge: db.prepare<[number, number, Buffer, number, number, number]>(
        "UPDATE intercept_pdu SET pdu = X'', purged_at = ?, size = ?, sha256 = ? WHERE intercept_id = ? AND hi = ? AND seq = ? AND purged_at IS NULL",
      ),
      lastQueued: db.prepare<[number, number], {seq: number}>('SELECT max(seq) AS seq FROM intercept_pdu WHERE intercept_id = ? AND hi = ?'),
      waiting: db.prepare<[number, number], {n: number; first: number | null}>('SELECT count(*) AS n, min(seq) AS first FROM intercept_pdu WHERE intercept_id = ? AND hi = ? AND delivered_at IS NULL'),
      at: db.prepare<[number, number, number], {enqueued_at: number; delivered_at: number | null}>('SELECT enqueued_at, delivered_at FROM intercept_pdu WHERE intercept_id = ? AND hi = ? AND seq = ?'),
      cursor: db.prepare<[string], {event_id: number}>('SELECT event_id FROM intercept_cursor WHERE name = ?'),
      setCursor: db.prepare<[string, number, number]>(
        'INSERT INTO intercept_cursor (name, event_id, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id, updated_at = excluded.updated_at',
      ),
    };
  }

  /** The last notification id mapped, or undefined before the first run. */
  cursor(name: string = SERVE_CURSOR): number | undefined {
    return this.statements.cursor.get(name)?.event_id;
  }

  /** Sets the cursor alone (the first run, or events that gave nothing). */
  setCursor(eventId: number, now: number, name: string = SERVE_CURSOR): void {
    this.statements.setCursor.run(name, eventId, now);
  }

  /**
   * Numbers, encodes and stores the PDUs of notification `eventId`, and moves the cursor to it, in one
   * transaction. Returns the PDUs written (with their numbers).
   */
  enqueueEvent(eventId: number, items: readonly PduToEnqueue[], now: number, name: string = SERVE_CURSOR): QueuedPdu[] {
    return this.enqueueEvents([{eventId, items}], eventId, now, (_, error) => {
      throw error;
    }, name);
  }

  /**
   * The PDUs of several notifications, in their order, and the cursor moved to `cursor`, in ONE
   * transaction (one commit per round of serve, not one per event). An event's PDUs are all encoded
   * before any is stored: one whose encoding throws leaves none of its PDUs and no sequence number used,
   * goes to `onError` (which may throw to abandon the whole batch), and the others are kept.
   */
  enqueueEvents(events: ReadonlyArray<{eventId: number; items: readonly PduToEnqueue[]}>, cursor: number, now: number, onError: (eventId: number, error: unknown) => void, name: string = SERVE_CURSOR): QueuedPdu[] {
    return this.db.transaction(() => {
      // The last number given per intercept and destination, read once per batch.
      const lastSeq = new Map<string, number>();
      const written: QueuedPdu[] = [];
      for (const {eventId, items} of events) {
        if (items.length === 0) continue;
        const numbers = new Map<string, number>();
        let encoded: QueuedPdu[];
        try {
          encoded = items.map((item) => {
            const key = `${item.interceptId}:${item.hi}`;
            const seq = (numbers.get(key) ?? lastSeq.get(key) ?? this.statements.lastSeq.get(item.interceptId, item.hi)?.seq ?? -1) + 1;
            numbers.set(key, seq);
            return {interceptId: item.interceptId, hi: item.hi, seq, eventId, enqueuedAt: now, pdu: asBuffer(item.encode(seq))};
          });
        } catch (error) {
          onError(eventId, error);
          continue;
        }
        for (const pdu of encoded) this.statements.insert.run(pdu.interceptId, pdu.hi, pdu.seq, eventId, now, pdu.pdu);
        for (const [key, seq] of numbers) lastSeq.set(key, seq);
        written.push(...encoded);
      }
      this.statements.setCursor.run(name, cursor, now);
      return written;
    }).immediate();
  }

  /** Up to `limit` PDUs not yet delivered to one destination, after `afterSeq`, in sequence order. */
  pending(interceptId: number, hi: Hi, limit: number, afterSeq = -1): QueuedPdu[] {
    return this.statements.pending.all(interceptId, hi, afterSeq, limit).map((row) => ({
      interceptId: row.intercept_id, hi: row.hi as Hi, seq: row.seq, eventId: row.event_id, enqueuedAt: row.enqueued_at, pdu: row.pdu,
    }));
  }

  /** Records that PDU `seq` was handed over (idempotent: a PDU keeps its first delivery time). */
  markDelivered(interceptId: number, hi: Hi, seq: number, now: number): void {
    this.statements.deliver.run(now, interceptId, hi, seq);
  }

  /** {@link markDelivered} for several PDUs of one destination, in one transaction (one commit). */
  markManyDelivered(interceptId: number, hi: Hi, seqs: readonly number[], now: number): void {
    if (seqs.length === 0) return;
    this.db.transaction(() => {
      for (const seq of seqs) this.statements.deliver.run(now, interceptId, hi, seq);
    }).immediate();
  }

  /**
   * Drops the bytes of up to `limit` PDUs delivered at or before `before` (ms), oldest first, keeping each row
   * with the PDU's length and SHA-256 (the record of what was handed over). Undelivered PDUs are never
   * touched. Returns how many were purged (fewer than `limit`: none older is left).
   */
  purgeDelivered(before: number, now: number, limit: number): number {
    return this.db.transaction(() => {
      const rows = this.statements.toPurge.all(before, limit);
      for (const row of rows) this.statements.purge.run(now, row.pdu.length, createHash('sha256').update(row.pdu).digest(), row.intercept_id, row.hi, row.seq);
      return rows.length;
    }).immediate();
  }

  /** True when one destination has PDUs not yet delivered (the partial index: cheap, however many were). */
  hasPending(interceptId: number, hi: Hi): boolean {
    return this.statements.hasPending.get(interceptId, hi) !== undefined;
  }

  /**
   * Where one destination stands, from a few index lookups (no scan of the PDUs: a store may hold
   * millions): PDUs are delivered in sequence order, so the last delivered is the one before the first
   * waiting, or the last queued.
   */
  state(interceptId: number, hi: Hi): HandoverState {
    const last = this.statements.lastQueued.get(interceptId, hi)?.seq ?? null;
    if (last === null) return {queued: 0, delivered: 0, waiting: 0, waitingSince: null, lastDeliveredAt: null};
    const waiting = this.statements.waiting.get(interceptId, hi) ?? {n: 0, first: null};
    const lastDelivered = waiting.first === null ? last : waiting.first - 1;
    return {
      queued: last + 1,
      delivered: last + 1 - waiting.n,
      waiting: waiting.n,
      waitingSince: waiting.first === null ? null : this.statements.at.get(interceptId, hi, waiting.first)?.enqueued_at ?? null,
      lastDeliveredAt: lastDelivered < 0 ? null : this.statements.at.get(interceptId, hi, lastDelivered)?.delivered_at ?? null,
    };
  }

  /** How many PDUs one destination has had queued, and how many of them were delivered. */
  counts(interceptId: number, hi: Hi): {queued: number; delivered: number} {
    return this.statements.counts.get(interceptId, hi) ?? {queued: 0, delivered: 0};
  }
}

type PduRow = {intercept_id: number; hi: number; seq: number; event_id: number; enqueued_at: number; pdu: Buffer};

/** The encoder's bytes as a Buffer over the same memory (a CC carries the whole message: no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
