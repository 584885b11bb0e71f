/**
 * Reading what the dealer stored in the lab's catalog, read-only, as a user of bonnie would check it.
 *
 * notifyd runs the dealer once per event, one at a time, after the IMAP command has already answered:
 * events arrive asynchronously, so a test waits for the events it expects ({@link waitForEvents}) instead
 * of reading right away.
 */
import {setTimeout as sleep} from 'node:timers/promises';
import Database from 'better-sqlite3';
import {parseNotification} from '../../src/lib/core/event/index.js';
import type {BonnieEvent} from '../../src/lib/core/event/index.js';
import type {LabInfo} from './lab.js';

/** One stored notification: the row, Cyrus' JSON as sent, and bonnie's normalized event. */
export interface CapturedEvent {
  /** `notification.id`: arrival order. */
  id: number;
  /** When the dealer stored it, ms since the epoch. */
  receivedAt: number;
  source: string;
  /** `event_type` as stored (Cyrus' `event`). */
  type: string;
  mailboxId: string | null;
  /** The notification exactly as Cyrus sent it, parsed. */
  json: Record<string, unknown>;
  /** bonnie's normalized event (mailbox name, uids, flags...). */
  event: BonnieEvent;
}

interface NotificationRow {
  id: number;
  raw: Buffer;
  received_at: number;
  source: string;
  event_type: string;
  mailbox_id: string | null;
}

export interface ReadOptions {
  /** Only rows with a larger id (see {@link lastEventId}). Default 0: all. */
  after?: number;
}

/** Every stored notification in arrival (id) order. */
export function readEvents(lab: LabInfo, options: ReadOptions = {}): CapturedEvent[] {
  // Opened and closed per read: the dealer (another process, user cyrus) must never find it held.
  const db = new Database(lab.catalog, {readonly: true, fileMustExist: true});
  try {
    const rows = db
      .prepare('SELECT id, raw, received_at, source, event_type, mailbox_id FROM notification WHERE id > ? ORDER BY id')
      .all(options.after ?? 0) as NotificationRow[];
    return rows.map(toCaptured);
  } finally {
    db.close();
  }
}

/** The id of the last stored notification (0 if none): pass it as `after` to see only what follows. */
export function lastEventId(lab: LabInfo): number {
  const db = new Database(lab.catalog, {readonly: true, fileMustExist: true});
  try {
    const row = db.prepare('SELECT max(id) AS id FROM notification').get() as {id: number | null};
    return row.id ?? 0;
  } finally {
    db.close();
  }
}

function toCaptured(row: NotificationRow): CapturedEvent {
  const text = row.raw.toString('utf8');
  const parsed = parseNotification(text);
  if (!parsed.ok) throw new Error(`notification ${row.id} does not parse: ${parsed.error}`);
  return {
    id: row.id,
    receivedAt: row.received_at,
    source: row.source,
    type: row.event_type,
    mailboxId: row.mailbox_id,
    json: JSON.parse(text) as Record<string, unknown>,
    event: parsed.event,
  };
}

export interface WaitOptions extends ReadOptions {
  /** Give up (throw, listing what did arrive) after this long. Default 60 s. */
  timeoutMs?: number;
  /**
   * Once the condition holds, keep watching this long and fail if anything else arrives: for tests that
   * assert the exact list. Default 0 (return at once).
   */
  quietMs?: number;
}

/** What to wait for: a number of events, or a condition on the events seen so far. */
export type WaitCondition = number | ((events: CapturedEvent[]) => boolean);

const POLL_MS = 50;

/**
 * Polls the catalog until `until` holds for the events stored after `options.after`, and returns them.
 * With a count, waits for at least that many. A number as third argument is the timeout in ms.
 */
export async function waitForEvents(lab: LabInfo, until: WaitCondition, optionsOrTimeoutMs: WaitOptions | number = {}): Promise<CapturedEvent[]> {
  const options = typeof optionsOrTimeoutMs === 'number' ? {timeoutMs: optionsOrTimeoutMs} : optionsOrTimeoutMs;
  const holds = typeof until === 'number' ? (events: CapturedEvent[]) => events.length >= until : until;
  // notifyd runs one dealer per event: on a loaded 2-core machine a burst of events can take a while.
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let events = readEvents(lab, options);
  while (!holds(events)) {
    if (Date.now() > deadline) {
      const seen = events.map((e) => `${e.id} ${e.type} ${e.event.mailbox?.name ?? ''}`).join('\n  ');
      throw new Error(`timed out after ${timeoutMs} ms waiting for events; arrived:\n  ${seen || '(none)'}\n(dealer log: ${lab.dealerLog})`);
    }
    await sleep(POLL_MS);
    events = readEvents(lab, options);
  }
  if ((options.quietMs ?? 0) > 0) {
    await sleep(options.quietMs);
    const later = readEvents(lab, options);
    if (later.length !== events.length) {
      const extra = later.slice(events.length).map((e) => `${e.id} ${e.type} ${e.event.mailbox?.name ?? ''}`);
      throw new Error(`unexpected events after the expected ones:\n  ${extra.join('\n  ')}`);
    }
  }
  return events;
}

/** The event type, followed by the mailbox name when it has one: a compact form for assertions. */
export function describeEvent(event: CapturedEvent): string {
  return event.event.mailbox === undefined ? event.type : `${event.type} ${event.event.mailbox.name}`;
}
