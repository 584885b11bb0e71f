/**
 * Gap detection: noticing that Cyrus did not deliver an event. Cyrus drops any event over ~21 KB with only
 * a syslog line (a 30 KB Subject, a STORE on a few hundred messages), so a record that claims to be
 * complete must check the counters each event carries against the events it received.
 *
 * Two checks per folder (identified by mailboxID), reading notifications in the order they were received:
 * - UIDs: every UID is assigned by an APPEND, a delivery, a COPY or a MOVE, each announced by an event
 *   naming it. A UID (or `uidnext`) above the highest one announced, past the next expected, means the
 *   events for the UIDs in between were lost. A late event naming those UIDs closes the gap again.
 * - modseq: each mailbox commit raises the folder's modseq by the number of messages it changed (by one
 *   for a folder-level change) and sends one MailboxModseq (which itself carries no modseq). An event's
 *   modseq above the last one seen by more than the MailboxModseq events, the UIDs of modseq-less events
 *   since, and the event's own UIDs can account for, means a commit's events were lost. The bound is
 *   generous on purpose (events of one commit are counted more than once): a gap it reports is certain,
 *   short of events that arrive out of order, which reconciliation then settles.
 * The first event seen for a folder only sets a baseline: mail from before bonnie is the archive's work.
 * Each gap leaves a reconcile job for the collector to re-read the folder's state.
 *
 * A gap's states: `open`; `closed` when the missing events arrived late (or its folder was deleted before
 * the collector could re-read it: see `closedReason`); `reconciled` when the collector re-read the folder
 * whole and archived what it held (collect/reconcile.ts). A dropped event never arrives late: without
 * `reconciled`, such a gap would stay open for good. Only `open` gaps are a problem (`bonnie status`).
 *
 * Contracts: incremental (a watermark in gap_scan), each batch in one transaction, safe to run again.
 */
import {isoTime} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {parseNotification} from '../../core/event/parse.js';
import type {BonnieEvent} from '../../core/event/types.js';
import {UidSet} from '../../core/event/uidset.js';
import {NotificationLog} from '../queue/notifications.js';

const BATCH_NOTIFICATIONS = 5000;
const ARRIVALS: ReadonlySet<string> = new Set(['MessageAppend', 'MessageNew', 'vnd.cmu.MessageCopy', 'vnd.cmu.MessageMove']);

export type GapKind = 'uid' | 'modseq';

export interface Gap {
  id: number;
  mailboxId: string;
  mailboxName: string;
  kind: GapKind;
  /** First and last missing UID or modseq, inclusive. */
  from: number;
  to: number;
  noticedAt: string;
  /** The notification whose counters revealed the gap. */
  noticedBy: number;
  state: GapState;
  /** When it was closed or reconciled (ISO); null while open. */
  closedAt: string | null;
  closedReason: string | null;
}

export type GapState = 'open' | 'closed' | 'reconciled';

export interface ScanSummary {
  /** Notifications read by this scan. */
  scanned: number;
  /** Gaps recorded by this scan. */
  opened: number;
  /** Gaps closed by events that arrived late. */
  closed: number;
}

interface Counter {
  mailbox_id: string;
  mailbox_name: string;
  uid_validity: number | null;
  last_modseq: number | null;
  modseq_events_since: number;
  uids_touched_since: number;
  highest_uid: number | null;
  last_notification_id: number;
}

/** Notifications a caller has already parsed (`bonnie process`, a batch at a time): see {@link scanForGaps}. */
export interface ParsedNotifications {
  /** Events by notification id; a notification not in the map is read and parsed as usual. */
  events: ReadonlyMap<number, BonnieEvent>;
  /** The scan stops after this notification id. */
  upTo: number;
}

/**
 * Reads every notification received since the last scan (up to `known.upTo`) and records the gaps they
 * reveal. Those in `known.events` are not parsed again; the result is the same.
 */
export function scanForGaps(db: Db, now = Date.now(), known?: ParsedNotifications): ScanSummary {
  const statements = prepare(db);
  const notifications = new NotificationLog(db);
  const total: ScanSummary = {scanned: 0, opened: 0, closed: 0};
  const upTo = known?.upTo ?? Number.MAX_SAFE_INTEGER;
  for (;;) {
    const {batch, full} = db
      .transaction(() => {
        const watermark = statements.watermark.get()?.last_notification_id ?? 0;
        // Ids are row ids: at most upTo - watermark of them are in (watermark, upTo].
        const limit = Math.max(0, Math.min(BATCH_NOTIFICATIONS, upTo - watermark));
        const rows = limit === 0 ? [] : notifications.page(watermark, limit).filter((row) => row.id <= upTo);
        const summary: ScanSummary = {scanned: rows.length, opened: 0, closed: 0};
        for (const row of rows) {
          const event = known?.events.get(row.id) ?? parsedEvent(row.raw);
          if (event?.mailboxId !== undefined) observe(statements, row.id, event, now, summary);
        }
        if (rows.length > 0) statements.setWatermark.run((rows.at(-1) as {id: number}).id);
        return {batch: summary, full: rows.length === BATCH_NOTIFICATIONS};
      })
      .immediate();
    total.scanned += batch.scanned;
    total.opened += batch.opened;
    total.closed += batch.closed;
    if (!full) return total;
  }
}

function parsedEvent(raw: Buffer): BonnieEvent | undefined {
  const parsed = parseNotification(raw.toString('utf8'));
  return parsed.ok ? parsed.event : undefined;
}

function observe(s: Statements, notificationId: number, event: BonnieEvent, now: number, summary: ScanSummary): void {
  const mailboxId = event.mailboxId as string;
  const name = event.mailbox?.name ?? mailboxId;
  if (event.type === 'MailboxDelete') {
    s.deleteCounter.run(mailboxId);
    return;
  }
  const known = s.counter.get(mailboxId);
  const uidValidity = event.mailbox?.uidValidity ?? known?.uid_validity ?? null;
  const fresh = known === undefined || (known.uid_validity !== null && uidValidity !== null && known.uid_validity !== uidValidity);
  const c: Counter = fresh
    ? {
        mailbox_id: mailboxId,
        mailbox_name: name,
        uid_validity: uidValidity,
        // A folder just created starts at modseq 1 with no UIDs; otherwise the first event is the baseline.
        last_modseq: event.type === 'MailboxCreate' ? 1 : null,
        modseq_events_since: 0,
        uids_touched_since: 0,
        highest_uid: event.type === 'MailboxCreate' ? 0 : null,
        last_notification_id: notificationId,
      }
    : {...(known as Counter), mailbox_name: name, uid_validity: uidValidity, last_notification_id: notificationId};

  const open = (kind: GapKind, from: number, to: number) => {
    const gap = s.insertGap.get({mailboxId, name, kind, from, to, now, by: notificationId});
    if (gap === undefined) return;
    s.insertReconcile.run({mailboxId, name, gapId: gap.id, reason: `${kind} gap ${from}-${to}`, now});
    summary.opened++;
  };

  // UIDs: announced by arrivals; implied by uidnext. Range arithmetic only: a set may be 1:4294967295.
  const arrived = ARRIVALS.has(event.type) ? event.uids : UidSet.EMPTY;
  if (arrived.size > 0) summary.closed += closeUidGaps(s, mailboxId, arrived, now);
  const implied = (event.uidNext ?? 1) - 1;
  if (c.highest_uid !== null) {
    const lowest = arrived.first;
    if (lowest !== undefined && lowest > c.highest_uid + 1) open('uid', c.highest_uid + 1, lowest - 1);
    const highest = Math.max(c.highest_uid, arrived.last ?? 0);
    if (event.uidNext !== undefined && implied > highest) open('uid', highest + 1, implied);
    c.highest_uid = Math.max(highest, implied);
  } else if (arrived.size > 0 || event.uidNext !== undefined) {
    c.highest_uid = Math.max(0, arrived.last ?? 0, implied);
  }

  // modseq: MailboxModseq and modseq-less message events account for increments until the next known value.
  if (event.type === 'MailboxModseq') {
    c.modseq_events_since++;
  } else if (event.modseq !== undefined) {
    if (c.last_modseq !== null && event.modseq > c.last_modseq) {
      const explained = c.modseq_events_since + c.uids_touched_since + Math.max(1, event.uids.size);
      if (event.modseq - c.last_modseq > explained) open('modseq', c.last_modseq + 1, event.modseq - 1);
    }
    if (c.last_modseq === null || event.modseq >= c.last_modseq) {
      if (event.modseq !== c.last_modseq) {
        c.modseq_events_since = 0;
        c.uids_touched_since = 0;
      }
      c.last_modseq = event.modseq;
    }
  } else if (event.category === 'message') {
    c.uids_touched_since += event.uids.size;
  }
  s.upsertCounter.run(c);
}

/**
 * Removes late-announced UIDs from the ends of open UID gaps; returns how many gaps that closed. The
 * set's ranges are merged and never adjacent, so one range at most covers each end: O(log ranges) a gap.
 */
function closeUidGaps(s: Statements, mailboxId: string, announced: UidSet, now: number): number {
  let closed = 0;
  for (const gap of s.openUidGaps.all({mailboxId, first: announced.first as number, last: announced.last as number})) {
    let {range_from: from, range_to: to} = gap;
    const low = announced.rangeAround(from);
    if (low !== undefined) from = low.last + 1;
    const high = from <= to ? announced.rangeAround(to) : undefined;
    if (high !== undefined) to = high.first - 1;
    if (from > to) {
      s.closeGap.run({id: gap.id, now, reason: 'the missing events arrived late'});
      s.cancelReconcile.run({mailboxId, now});
      closed++;
    } else if (from !== gap.range_from || to !== gap.range_to) {
      s.shrinkGap.run({id: gap.id, from, to});
    }
  }
  return closed;
}

type Statements = ReturnType<typeof prepare>;

function prepare(db: Db) {
  return {
    watermark: db.prepare<[], {last_notification_id: number}>('SELECT last_notification_id FROM gap_scan WHERE id = 1'),
    setWatermark: db.prepare<[number]>('INSERT INTO gap_scan (id, last_notification_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET last_notification_id = excluded.last_notification_id'),
    counter: db.prepare<[string], Counter>('SELECT * FROM mailbox_counter WHERE mailbox_id = ?'),
    deleteCounter: db.prepare<[string]>('DELETE FROM mailbox_counter WHERE mailbox_id = ?'),
    upsertCounter: db.prepare<Counter>(
      `INSERT INTO mailbox_counter (mailbox_id, mailbox_name, uid_validity, last_modseq, modseq_events_since, uids_touched_since, highest_uid, last_notification_id)
       VALUES (@mailbox_id, @mailbox_name, @uid_validity, @last_modseq, @modseq_events_since, @uids_touched_since, @highest_uid, @last_notification_id)
       ON CONFLICT (mailbox_id) DO UPDATE SET mailbox_name = excluded.mailbox_name, uid_validity = excluded.uid_validity,
         last_modseq = excluded.last_modseq, modseq_events_since = excluded.modseq_events_since, uids_touched_since = excluded.uids_touched_since,
         highest_uid = excluded.highest_uid, last_notification_id = excluded.last_notification_id`,
    ),
    insertGap: db.prepare<{mailboxId: string; name: string; kind: GapKind; from: number; to: number; now: number; by: number}, {id: number}>(
      `INSERT INTO gap (mailbox_id, mailbox_name, kind, range_from, range_to, noticed_at, noticed_by, state)
       VALUES (@mailboxId, @name, @kind, @from, @to, @now, @by, 'open') RETURNING id`,
    ),
    insertReconcile: db.prepare<{mailboxId: string; name: string; gapId: number; reason: string; now: number}>(
      `INSERT INTO reconcile_job (mailbox_id, mailbox_name, gap_id, reason, created_at, updated_at)
       VALUES (@mailboxId, @name, @gapId, @reason, @now, @now) ON CONFLICT DO NOTHING`,
    ),
    // Only the gaps the arriving set can touch (index gap_open_uid_by_end): ending at or after its first UID,
    // starting at or before its last.
    openUidGaps: db.prepare<{mailboxId: string; first: number; last: number}, {id: number; range_from: number; range_to: number}>(
      `SELECT id, range_from, range_to FROM gap INDEXED BY gap_open_uid_by_end
        WHERE mailbox_id = @mailboxId AND state = 'open' AND kind = 'uid' AND range_to >= @first AND range_from <= @last`,
    ),
    closeGap: db.prepare<{id: number; now: number; reason: string}>("UPDATE gap SET state = 'closed', closed_at = @now, closed_reason = @reason WHERE id = @id"),
    cancelReconcile: db.prepare<{mailboxId: string; now: number}>(
      `UPDATE reconcile_job SET state = 'cancelled', updated_at = @now
        WHERE mailbox_id = @mailboxId AND state = 'pending'
          AND NOT EXISTS (SELECT 1 FROM gap WHERE mailbox_id = @mailboxId AND state = 'open')`,
    ),
    shrinkGap: db.prepare<{id: number; from: number; to: number}>('UPDATE gap SET range_from = @from, range_to = @to WHERE id = @id'),
  };
}

/** Gaps for `bonnie gaps` and `bonnie status`, newest first: open ones, or every one with `includeClosed`. */
export function listGaps(db: Db, options: {includeClosed?: boolean; limit?: number} = {}): Gap[] {
  const rows = db
    .prepare<
      [number, number],
      {id: number; mailbox_id: string; mailbox_name: string; kind: GapKind; range_from: number; range_to: number; noticed_at: number; noticed_by: number; state: GapState; closed_at: number | null; closed_reason: string | null}
    >(`SELECT * FROM gap WHERE state = 'open' OR ? ORDER BY id DESC LIMIT ?`)
    .all(options.includeClosed ? 1 : 0, options.limit ?? -1);
  return rows.map((r) => ({
    id: r.id,
    mailboxId: r.mailbox_id,
    mailboxName: r.mailbox_name,
    kind: r.kind,
    from: r.range_from,
    to: r.range_to,
    noticedAt: isoTime(r.noticed_at),
    noticedBy: r.noticed_by,
    state: r.state,
    closedAt: r.closed_at === null ? null : isoTime(r.closed_at),
    closedReason: r.closed_reason,
  }));
}

/** What `bonnie status` shows of gap detection: open and reconciled gaps, and the last notification scanned. */
export function gapCounts(db: Db): {open: number; reconciled: number; scannedUpTo: number} {
  const gaps = db.prepare<[], {open: number; reconciled: number}>("SELECT count(*) FILTER (WHERE state = 'open') AS open, count(*) FILTER (WHERE state = 'reconciled') AS reconciled FROM gap").get();
  const scanned = db.prepare<[], {last_notification_id: number}>('SELECT last_notification_id FROM gap_scan WHERE id = 1').get();
  return {open: gaps?.open ?? 0, reconciled: gaps?.reconciled ?? 0, scannedUpTo: scanned?.last_notification_id ?? 0};
}
