/**
 * The quarantine as the archive's segments carry it (archive format 2, migration 22; docs/FORMAT.md):
 * `quarantine/<first id>-<last id>.jsonl.zst`, each delivery that was not a valid event with its exact
 * bytes (base64), as it stood when a writer carried it, and `queue-actions/<first id>-<last id>.jsonl.zst`,
 * what operators did to the queue (immutable rows). A delivery's evidence columns never change (triggers,
 * migrations 1 and 10); its resolution may, later, through an operator action: a rebuild sets it again by
 * replaying the actions. Its delivery count is as it stood when carried.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {NotificationLog} from './notifications.js';
import {REQUEUED_DETAIL} from './quarantine.js';

/** One `quarantine` line. */
export interface QuarantineLine {
  id: number;
  /** The delivery's exact bytes, base64. */
  raw: string;
  /** SHA-256 of raw, hex. */
  sha256: string;
  receivedAt: number;
  source: string;
  spillFile: string | null;
  error: string;
  deliveries: number;
  lastDeliveredAt: number;
  resolution: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
}

type Row = {
  id: number;
  sha256: Buffer;
  raw: Buffer;
  received_at: number;
  source: string;
  spill_file: string | null;
  error: string;
  deliveries: number;
  last_delivered_at: number;
  resolution: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
};

/** Quarantined deliveries after `id`, at most `limit`. */
export function quarantineAfter(db: Db, after: number, limit: number): Array<{id: number; line: QuarantineLine}> {
  return db
    .prepare<[number, number], Row>('SELECT id, sha256, raw, received_at, source, spill_file, error, deliveries, last_delivered_at, resolution, resolved_at, resolved_by FROM quarantine WHERE id > ? ORDER BY id LIMIT ?')
    .all(after, limit)
    .map((r) => ({
      id: r.id,
      line: {
        id: r.id,
        raw: r.raw.toString('base64'),
        sha256: r.sha256.toString('hex'),
        receivedAt: r.received_at,
        source: r.source,
        spillFile: r.spill_file,
        error: r.error,
        deliveries: r.deliveries,
        lastDeliveredAt: r.last_delivered_at,
        resolution: r.resolution,
        resolvedAt: r.resolved_at,
        resolvedBy: r.resolved_by,
      },
    }));
}

/** One `queue-actions` line: a queue_action row. */
export interface QueueActionLine {
  id: number;
  at: number;
  actor: string;
  action: string;
  notificationId: number | null;
  quarantineId: number | null;
  fromState: string | null;
  detail: string;
  reason: string | null;
}

/** Operator actions after `id`, at most `limit`. */
export function queueActionsAfter(db: Db, after: number, limit: number): Array<{id: number; line: QueueActionLine}> {
  return db
    .prepare<[number, number], {id: number; at: number; actor: string; action: string; notification_id: number | null; quarantine_id: number | null; from_state: string | null; detail: string; reason: string | null}>(
      'SELECT id, at, actor, action, notification_id, quarantine_id, from_state, detail, reason FROM queue_action WHERE id > ? ORDER BY id LIMIT ?',
    )
    .all(after, limit)
    .map((r) => ({id: r.id, line: {id: r.id, at: r.at, actor: r.actor, action: r.action, notificationId: r.notification_id, quarantineId: r.quarantine_id, fromState: r.from_state, detail: r.detail, reason: r.reason}}));
}

/**
 * Rebuild, after the notifications: writes operator actions back (one naming a notification or a delivery
 * no segment carries is left out and counted) and replays their resolutions onto the deliveries, in one
 * transaction.
 */
export function restoreQueueActions(db: Db, lines: readonly QueueActionLine[]): {actions: number; withoutSubject: number} {
  const insert = db.prepare<[number, number, string, string, number | null, number | null, string | null, string, string | null]>(
    'INSERT INTO queue_action (id, at, actor, action, notification_id, quarantine_id, from_state, detail, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const notifications = new NotificationLog(db);
  const delivery = db.prepare<[number], {n: number}>('SELECT 1 AS n FROM quarantine WHERE id = ?');
  const resolve = db.prepare<[string, number, string, number]>('UPDATE quarantine SET resolution = ?, resolved_at = ?, resolved_by = ? WHERE id = ?');
  const summary = {actions: 0, withoutSubject: 0};
  db.transaction(() => {
    for (const a of lines) {
      if ((a.notificationId !== null && notifications.byId(a.notificationId) === undefined) || (a.quarantineId !== null && delivery.get(a.quarantineId) === undefined)) {
        summary.withoutSubject++;
        continue;
      }
      insert.run(a.id, a.at, a.actor, a.action, a.notificationId, a.quarantineId, a.fromState, a.detail, a.reason);
      summary.actions++;
      if (a.quarantineId === null || a.notificationId !== null) continue;
      if (a.action === 'quarantine-acknowledge') resolve.run('acknowledged', a.at, a.actor, a.quarantineId);
      else if (a.action === 'quarantine-requeue' && a.detail.startsWith(REQUEUED_DETAIL)) resolve.run('requeued', a.at, a.actor, a.quarantineId);
    }
  })();
  return summary;
}

/** Rebuild: writes the quarantined deliveries back with their ids, in one transaction. */
export function restoreQuarantine(db: Db, lines: readonly QuarantineLine[]): number {
  const insert = db.prepare<[number, Buffer, Buffer, number, string, string | null, string, number, number, string | null, number | null, string | null]>(
    'INSERT INTO quarantine (id, sha256, raw, received_at, source, spill_file, error, deliveries, last_delivered_at, resolution, resolved_at, resolved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const q of lines) insert.run(q.id, Buffer.from(q.sha256, 'hex'), Buffer.from(q.raw, 'base64'), q.receivedAt, q.source, q.spillFile, q.error, q.deliveries, q.lastDeliveredAt, q.resolution, q.resolvedAt, q.resolvedBy);
  })();
  return lines.length;
}
