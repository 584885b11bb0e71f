/**
 * The quarantine as the archive's segments carry it (archive format 2, migration 22; docs/FORMAT.md):
 * `quarantine/<first id>-<last id>.jsonl.zst`, each delivery that was not a valid event with its exact
 * bytes (base64), as it stood when a writer carried it. A row's evidence columns never change (triggers,
 * migrations 1 and 10); its delivery count and resolution may, later, and are not carried again.
 */
import type {Db} from '../../base/catalog/catalog.js';

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
