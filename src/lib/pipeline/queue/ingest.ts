/**
 * Accepting notifications into the queue: the one write path shared by the per-event dealer, the socket
 * dealer and the spill drain.
 *
 * Contracts:
 * - A delivery is the bytes one producer handed us (notifyd: one JSON line and a newline). It is split
 *   into lines; each non-blank line is one notification, stored byte for byte without its newline.
 * - Nothing is dropped: when a line is not a valid event (bad UTF-8, not JSON, no event name), the whole
 *   delivery goes to the quarantine, byte for byte, with the reason and line numbers (its valid lines
 *   are still queued); a delivery with nothing in it is quarantined as empty.
 * - Byte-identical lines are stored once; later copies only raise `deliveries`.
 * - All deliveries passed to one call commit in one IMMEDIATE transaction, or none do.
 */
import {createHash} from 'node:crypto';
import type {Db} from '../../base/catalog/catalog.js';
import {parseNotification} from '../../core/event/parse.js';
import type {NotificationDump} from './notifications.js';

/** Where a delivery came from, recorded with each notification. */
export type DeliverySource = 'notify_external' | 'notify_socket' | 'stdin';

export interface Delivery {
  /** Bytes as received. */
  raw: Uint8Array;
  /** When they were received, ms since the epoch. */
  receivedAt: number;
  source: DeliverySource;
  /** Name of the spill file they were recovered from, if any. */
  spillFile?: string;
  /**
   * Set by a producer that already knows these bytes are not an event (the socket dealer, for a datagram
   * it cannot decode): the delivery is quarantined whole with this reason, without being parsed.
   */
  rejected?: string;
  /**
   * The verdicts of `raw`'s non-blank lines, in order, from a producer that judged them already (the socket
   * dealer, to tell a datagram to quarantine whole): they are not parsed a second time.
   */
  verdicts?: readonly Verdict[];
}

export interface IngestSummary {
  /** New notifications queued as pending jobs. */
  queued: number;
  /** Byte-identical repeats of a notification already held. */
  duplicates: number;
  /** Lines (or empty deliveries) put in quarantine. */
  quarantined: number;
  /** Event types outside the known list (kept and queued, reported here). */
  unknownTypes: string[];
}

const NEWLINE = 0x0a;
const MAX_PROBLEMS_SHOWN = 5;
const utf8 = new TextDecoder('utf-8', {fatal: true});

/** Splits a delivery into its non-blank lines (without `\n` or a trailing `\r`), with 1-based line numbers. */
export function splitLines(raw: Uint8Array): Array<{line: Uint8Array; number: number}> {
  const lines: Array<{line: Uint8Array; number: number}> = [];
  let start = 0;
  let number = 0;
  while (start <= raw.length) {
    number++;
    let end = raw.indexOf(NEWLINE, start);
    if (end === -1) end = raw.length;
    let stop = end;
    if (stop > start && raw[stop - 1] === 0x0d) stop--;
    const line = raw.subarray(start, stop);
    if (!isBlank(line)) lines.push({line, number});
    start = end + 1;
  }
  return lines;
}

function isBlank(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0d && b !== 0x0a) return false;
  return true;
}

/** What one line is: an event to queue, or input to quarantine. */
export type Verdict = {ok: true; type: string; known: boolean; time: string | undefined; mailboxId: string | undefined} | {ok: false; error: string};

/** Judges one line (no newline) the way the ingester does: UTF-8, JSON, an event name. */
export function judge(line: Uint8Array): Verdict {
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    return {ok: false, error: 'not valid UTF-8'};
  }
  const parsed = parseNotification(text);
  if (!parsed.ok) return parsed;
  const {event} = parsed;
  return {ok: true, type: event.type, known: event.known, time: event.timestamp, mailboxId: event.mailboxId};
}

/** Prepared statements for one connection; prepare once, reuse for every delivery. */
export class Ingester {
  private readonly insertNotification;
  private readonly insertJob;
  private readonly insertQuarantine;
  private readonly transaction;
  // Prepared on first use: the dealer builds an Ingester per event and never claims a spill file.
  private insertSpillDrained: ReturnType<typeof this.db.prepare<[string, number]>> | undefined;

  constructor(private readonly db: Db) {
    this.insertNotification = db.prepare<[Buffer, Uint8Array, number, string, string | null, string, string | null, string | null, number], {id: number; deliveries: number}>(
      `INSERT INTO notification (sha256, raw, received_at, source, spill_file, event_type, event_time, mailbox_id, last_delivered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET deliveries = deliveries + 1, last_delivered_at = excluded.last_delivered_at
       RETURNING id, deliveries`,
    );
    this.insertJob = db.prepare<[number, number]>(`INSERT INTO job (notification_id, state, updated_at) VALUES (?, 'pending', ?) ON CONFLICT DO NOTHING`);
    this.insertQuarantine = db.prepare<[Buffer, Uint8Array, number, string, string | null, string, number]>(
      `INSERT INTO quarantine (sha256, raw, received_at, source, spill_file, error, last_delivered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET deliveries = deliveries + 1, last_delivered_at = excluded.last_delivered_at`,
    );
    this.transaction = db.transaction((deliveries: readonly Delivery[], before?: () => void) => {
      before?.();
      const summary: IngestSummary = {queued: 0, duplicates: 0, quarantined: 0, unknownTypes: []};
      for (const delivery of deliveries) this.ingestOne(delivery, summary);
      return summary;
    });
  }

  /**
   * Commits `deliveries` in one IMMEDIATE transaction. `before` runs first inside that transaction (the
   * spill drain uses it to claim its file); if it throws, nothing is written.
   */
  ingest(deliveries: readonly Delivery[], before?: () => void): IngestSummary {
    return this.transaction.immediate(deliveries, before);
  }

  /**
   * Records that the spill file (or recovered log line) `key` is in the queue; false when it already was.
   * Call it from {@link ingest}'s `before` so the claim and the queueing commit together: exactly once.
   */
  claimSpill(key: string, at: number): boolean {
    this.insertSpillDrained ??= this.db.prepare<[string, number]>('INSERT INTO spill_drained (name, drained_at) VALUES (?, ?) ON CONFLICT DO NOTHING');
    return this.insertSpillDrained.run(key, at).changes > 0;
  }

  private ingestOne(delivery: Delivery, summary: IngestSummary): void {
    if (delivery.rejected !== undefined) {
      this.quarantine(delivery, delivery.rejected);
      summary.quarantined++;
      return;
    }
    const lines = splitLines(delivery.raw);
    if (lines.length === 0) {
      this.quarantine(delivery, delivery.raw.length === 0 ? 'empty input' : 'input holds only blank lines');
      summary.quarantined++;
      return;
    }
    const problems: string[] = [];
    for (const [index, {line, number}] of lines.entries()) {
      const verdict = delivery.verdicts?.[index] ?? judge(line);
      if (!verdict.ok) {
        problems.push(lines.length === 1 ? verdict.error : `line ${number}: ${verdict.error}`);
        continue;
      }
      const row = this.insertNotification.get(sha256(line), line, delivery.receivedAt, delivery.source, delivery.spillFile ?? null, verdict.type, verdict.time ?? null, verdict.mailboxId ?? null, delivery.receivedAt);
      if (row === undefined) throw new Error('notification insert returned no row');
      if (row.deliveries > 1) {
        summary.duplicates++;
        continue;
      }
      this.insertJob.run(row.id, delivery.receivedAt);
      summary.queued++;
      if (!verdict.known) summary.unknownTypes.push(verdict.type);
    }
    if (problems.length > 0) {
      // The whole delivery is kept, byte for byte, so that nothing of it is lost; its valid lines are queued too.
      const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
      this.quarantine(delivery, problems.length > MAX_PROBLEMS_SHOWN ? `${shown}; and ${problems.length - MAX_PROBLEMS_SHOWN} more lines` : shown);
      summary.quarantined++;
    }
  }

  private quarantine(delivery: Delivery, error: string): void {
    this.insertQuarantine.run(sha256(delivery.raw), delivery.raw, delivery.receivedAt, delivery.source, delivery.spillFile ?? null, error, delivery.receivedAt);
  }
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/**
 * `bonnie rebuild`: writes notifications read from the archive's record members back with their ids, each
 * with a pending job (to be processed again), in the caller's transaction.
 */
export function restoreNotifications(db: Db, rows: readonly NotificationDump[], now: number): void {
  const insert = db.prepare<[number, Buffer, Buffer, number, string, string | null, string, string | null, string | null, number, number]>(`INSERT INTO notification (id, sha256, raw, received_at, source, spill_file, event_type, event_time, mailbox_id, deliveries, last_delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const job = db.prepare<[number, number]>("INSERT INTO job (notification_id, state, updated_at) VALUES (?, 'pending', ?)");
  for (const r of rows) {
    insert.run(r.id, r.sha256, r.raw, r.received_at, r.source, r.spill_file, r.event_type, r.event_time, r.mailbox_id, r.deliveries, r.last_delivered_at);
    job.run(r.id, now);
  }
}
