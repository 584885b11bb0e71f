/**
 * `bonnie quarantine list|show|requeue|ack`: input that was not a valid event, as an operator reviews it.
 *
 * Contracts:
 * - A quarantined delivery is evidence: its row and bytes are never changed or deleted (triggers, migrations
 *   1 and 10). Only its resolution is set: `requeued` or `acknowledged`, when, by whom; each resolution is
 *   also recorded in `queue_action`.
 * - A delivery needs review until it is resolved, and again when the same bytes arrive after that.
 * - Requeue judges the bytes again with today's code, exactly as capture does (a datagram is decoded first):
 *   every line that is now a valid event is queued as a notification with the delivery's received time and
 *   source (unless those bytes are already one: nothing is stored twice, and that is not a new delivery).
 *   The delivery is marked requeued only when every line is now valid; otherwise it still needs review and
 *   the reasons are returned. One IMMEDIATE transaction per call.
 */
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import {createHash} from 'node:crypto';
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import {deliveryFromDatagram} from './datagram-delivery.js';
import {QueueActions, type QueueAction} from './actions.js';
import {judge, splitLines, type Verdict} from './ingest.js';

type Accepted = Extract<Verdict, {ok: true}>;

export type QuarantineResolution = 'requeued' | 'acknowledged';

/** One quarantined delivery, without its bytes. */
export interface QuarantinedDelivery {
  id: number;
  /** First received (ISO). */
  receivedAt: string;
  /** Last received (ISO): byte-identical deliveries are kept once and counted. */
  lastDeliveredAt: string;
  deliveries: number;
  /** notify_external, notify_socket or stdin. */
  source: string;
  /** The spill file it was recovered from, if any. */
  spillFile: string | null;
  /** Bytes. */
  size: number;
  /** Why it is not a valid event (when it was received). */
  reason: string;
  resolution: QuarantineResolution | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  /** Not resolved, or delivered again since it was. */
  needsReview: boolean;
}

export interface QuarantineListing {
  /** Deliveries that need review, in all. */
  needingReview: number;
  /** Deliveries in the quarantine, in all (resolved ones included). */
  total: number;
  /** Listed: those needing review (or all with `all`), oldest first, at most `limit`. */
  deliveries: QuarantinedDelivery[];
}

type Row = {
  id: number;
  received_at: number;
  last_delivered_at: number;
  deliveries: number;
  source: string;
  spill_file: string | null;
  size: number;
  error: string;
  resolution: QuarantineResolution | null;
  resolved_at: number | null;
  resolved_by: string | null;
  needs_review: number;
};

const COLUMNS = `id, received_at, last_delivered_at, deliveries, source, spill_file, length(raw) AS size, error, resolution, resolved_at, resolved_by,
  (resolution IS NULL OR last_delivered_at > resolved_at) AS needs_review`;
const NEEDS_REVIEW = '(resolution IS NULL OR last_delivered_at > resolved_at)';


const toDelivery = (r: Row): QuarantinedDelivery => ({
  id: r.id,
  receivedAt: isoTime(r.received_at),
  lastDeliveredAt: isoTime(r.last_delivered_at),
  deliveries: r.deliveries,
  source: r.source,
  spillFile: r.spill_file,
  size: r.size,
  reason: r.error,
  resolution: r.resolution,
  resolvedAt: isoTimeOrNull(r.resolved_at),
  resolvedBy: r.resolved_by,
  needsReview: r.needs_review === 1,
});

/** Quarantined deliveries that need review (see the module's contracts). */
export function countNeedingReview(db: Db): number {
  return db.prepare<[], {n: number}>(`SELECT count(*) AS n FROM quarantine WHERE ${NEEDS_REVIEW}`).get()?.n ?? 0;
}

/** Lists deliveries needing review (every one with `all`), oldest first. */
export function listQuarantine(db: Db, options: {all?: boolean; limit: number}): QuarantineListing {
  const all = options.all === true ? 1 : 0;
  const deliveries = db
    .prepare<[number, number], Row>(`SELECT ${COLUMNS} FROM quarantine WHERE ? = 1 OR ${NEEDS_REVIEW} ORDER BY id LIMIT ?`)
    .all(all, options.limit)
    .map(toDelivery);
  const total = db.prepare<[], {n: number}>('SELECT count(*) AS n FROM quarantine').get()?.n ?? 0;
  return {needingReview: countNeedingReview(db), total, deliveries};
}

/** One delivery with its bytes and what operators did with it. */
export interface QuarantinedDetail extends QuarantinedDelivery {
  raw: Buffer;
  actions: QueueAction[];
}

/** One quarantined delivery; QuarantineNotFound (exit 2) when there is none with that id. */
export function showQuarantined(db: Db, id: number): QuarantinedDetail {
  const row = db.prepare<[number], Row & {raw: Buffer}>(`SELECT ${COLUMNS}, raw FROM quarantine WHERE id = ?`).get(id);
  if (row === undefined) throw notFound([id]);
  return {...toDelivery(row), raw: row.raw, actions: new QueueActions(db).forQuarantined(id)};
}

function notFound(ids: number[]): BonnieError {
  return new BonnieError('QuarantineNotFound', `no quarantined delivery ${ids.join(', ')}`, {
    exit: EXIT.usage,
    hint: 'See "bonnie quarantine list --all" for the ids (nothing was changed).',
  });
}

/** How the action that marks a delivery requeued begins its detail (quarantine-carry.ts replays it on a rebuild). */
export const REQUEUED_DETAIL = 'judged again: every line is a valid event';

/** What requeue did with one delivery. */
export interface RequeueOutcome {
  id: number;
  /** `requeued`: every line is now a valid event; `still-invalid`: some are not (see `problems`). */
  outcome: 'requeued' | 'still-invalid';
  /** Notifications created by this call, now pending jobs. */
  queued: number[];
  /** Lines that were already notifications (queued when the delivery arrived, or by an earlier requeue). */
  alreadyQueued: number[];
  /** Why lines are still not valid events, today. */
  problems: string[];
}

export interface ResolveOptions {
  /** Who asked (see `operatorName`). */
  actor: string;
  /** The operator's reason, recorded. */
  reason?: string | undefined;
  now?: number;
}

/** Judges the bytes of a quarantined delivery again, as capture would today. */
function rejudge(raw: Buffer, source: string): {events: Array<{line: Uint8Array; verdict: Accepted}>; problems: string[]} {
  let bytes: Uint8Array = raw;
  let datagramProblem: string | undefined;
  if (source === 'notify_socket') {
    // The socket daemon quarantines whole datagrams; decode them as it would now.
    const delivery = deliveryFromDatagram(raw, 0);
    if (delivery.rejected === undefined) bytes = delivery.raw;
    else datagramProblem = delivery.rejected;
  }
  const events: Array<{line: Uint8Array; verdict: Accepted}> = [];
  const problems: string[] = [];
  const split = splitLines(bytes);
  if (split.length === 0) problems.push(raw.length === 0 ? 'empty input' : 'input holds only blank lines');
  for (const {line, number} of split) {
    const verdict = judge(line);
    if (verdict.ok) events.push({line, verdict});
    else problems.push(split.length === 1 ? verdict.error : `line ${number}: ${verdict.error}`);
  }
  // Bytes that are not a datagram may still be an event's JSON alone (as an older daemon kept it).
  if (datagramProblem !== undefined && (problems.length > 0 || events.length === 0)) return {events: [], problems: [datagramProblem]};
  return {events, problems};
}

/**
 * Requeues quarantined deliveries (see the module's contracts). Every id must exist, or nothing is done
 * (QuarantineNotFound, exit 2).
 */
export function requeueQuarantined(db: Db, ids: readonly number[], options: ResolveOptions): RequeueOutcome[] {
  const now = options.now ?? Date.now();
  const select = db.prepare<[number], {raw: Buffer; source: string; received_at: number; last_delivered_at: number; spill_file: string | null; resolution: string | null}>(
    'SELECT raw, source, received_at, last_delivered_at, spill_file, resolution FROM quarantine WHERE id = ?',
  );
  const insertNotification = db.prepare<[Buffer, Uint8Array, number, string, string | null, string, string | null, string | null, number], {id: number}>(
    `INSERT INTO notification (sha256, raw, received_at, source, spill_file, event_type, event_time, mailbox_id, last_delivered_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING RETURNING id`,
  );
  const existing = db.prepare<[Buffer], {id: number}>('SELECT id FROM notification WHERE sha256 = ?');
  const insertJob = db.prepare<[number, number]>(`INSERT INTO job (notification_id, state, updated_at) VALUES (?, 'pending', ?) ON CONFLICT DO NOTHING`);
  const resolve = db.prepare<{id: number; now: number; actor: string}>(`UPDATE quarantine SET resolution = 'requeued', resolved_at = @now, resolved_by = @actor WHERE id = @id`);
  const actions = new QueueActions(db);
  return db
    .transaction((): RequeueOutcome[] => {
      const targets = [...new Set(ids)];
      const missing = targets.filter((id) => select.get(id) === undefined);
      if (missing.length > 0) throw notFound(missing);
      return targets.map((id) => {
        const row = select.get(id) as NonNullable<ReturnType<typeof select.get>>;
        const {events, problems} = rejudge(row.raw, row.source);
        const outcome: RequeueOutcome = {id, outcome: problems.length === 0 ? 'requeued' : 'still-invalid', queued: [], alreadyQueued: [], problems};
        for (const {line, verdict} of events) {
          const hash = sha256(line);
          const created = insertNotification.get(hash, line, row.received_at, row.source, row.spill_file, verdict.type, verdict.time ?? null, verdict.mailboxId ?? null, row.last_delivered_at);
          if (created === undefined) {
            outcome.alreadyQueued.push((existing.get(hash) as {id: number}).id);
            continue;
          }
          insertJob.run(created.id, now);
          outcome.queued.push(created.id);
          actions.record({at: now, actor: options.actor, action: 'quarantine-requeue', quarantineId: id, notificationId: created.id, fromState: row.resolution, detail: `queued as notification ${created.id} (${verdict.type})`, reason: options.reason});
        }
        if (outcome.outcome === 'requeued') resolve.run({id, now, actor: options.actor});
        const already = outcome.alreadyQueued.length === 0 ? '' : `; already notification(s) ${outcome.alreadyQueued.join(', ')}`;
        actions.record({
          at: now,
          actor: options.actor,
          action: 'quarantine-requeue',
          quarantineId: id,
          fromState: row.resolution,
          detail:
            outcome.outcome === 'requeued'
              ? `${REQUEUED_DETAIL}; ${outcome.queued.length} queued${already}`
              : `judged again: still not valid (${problems.join('; ')}); ${outcome.queued.length} valid line(s) queued${already}`,
          reason: options.reason,
        });
        return outcome;
      });
    })
    .immediate();
}

/** What acknowledging did with one delivery. */
export interface AcknowledgeOutcome {
  id: number;
  /** False when it was already resolved and not delivered again since. */
  acknowledged: boolean;
  /** Its resolution before. */
  was: QuarantineResolution | null;
}

/**
 * Marks deliveries as seen by an operator: they no longer make `bonnie status` warn, until the same bytes
 * arrive again. Every id must exist, or nothing is done (QuarantineNotFound, exit 2).
 */
export function acknowledgeQuarantined(db: Db, ids: readonly number[], options: ResolveOptions): AcknowledgeOutcome[] {
  const now = options.now ?? Date.now();
  const select = db.prepare<[number], {resolution: QuarantineResolution | null; needs_review: number}>(`SELECT resolution, ${NEEDS_REVIEW} AS needs_review FROM quarantine WHERE id = ?`);
  const resolve = db.prepare<{id: number; now: number; actor: string}>(`UPDATE quarantine SET resolution = 'acknowledged', resolved_at = @now, resolved_by = @actor WHERE id = @id`);
  const actions = new QueueActions(db);
  return db
    .transaction((): AcknowledgeOutcome[] => {
      const targets = [...new Set(ids)];
      const missing = targets.filter((id) => select.get(id) === undefined);
      if (missing.length > 0) throw notFound(missing);
      return targets.map((id) => {
        const row = select.get(id) as {resolution: QuarantineResolution | null; needs_review: number};
        if (row.needs_review === 0) return {id, acknowledged: false, was: row.resolution};
        resolve.run({id, now, actor: options.actor});
        actions.record({at: now, actor: options.actor, action: 'quarantine-acknowledge', quarantineId: id, fromState: row.resolution, detail: 'acknowledged: reviewed, kept as evidence', reason: options.reason});
        return {id, acknowledged: true, was: row.resolution};
      });
    })
    .immediate();
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}
