/**
 * `bonnie status`: how full the queue is, what is stuck, what waits in the spill folder, what the archive
 * holds (and which of its segments are broken) and when folders were last snapshotted.
 * JSON field names are a contract: add, never rename.
 */
import {statSync} from 'node:fs';
import type {Catalog} from '../catalog/catalog.js';
import {LATEST_SCHEMA_VERSION} from '../catalog/migrations.js';
import {listSpill} from '../capture/spill.js';
import {EVENT_TYPES} from '../event/types.js';
import {JOB_STATES, type JobState} from '../queue/jobs.js';

export interface JobProblem {
  notificationId: number;
  eventType: string;
  state: 'failed' | 'dead';
  attempts: number;
  lastError: string | null;
  /** When a failed job is tried again (ISO), null for dead ones. */
  retryAt: string | null;
}

/** How many failed or dead jobs `bonnie status` lists. */
const PROBLEMS_SHOWN = 10;

export interface Status {
  catalog: {path: string; sizeBytes: number; schemaVersion: number; latestSchemaVersion: number};
  queue: Record<JobState, number> & {
    quarantined: number;
    /** Seconds since the oldest pending job was received; null when none is pending. */
    oldestPendingAgeSeconds: number | null;
    oldestPendingReceivedAt: string | null;
    /** Byte-identical repeats received and counted, not stored again. */
    duplicateDeliveries: number;
    /** Events whose type bonnie does not know (kept and queued), by type. */
    unknownTypes: Record<string, number>;
    /** The most recent jobs that failed (waiting for a retry) or went dead, with the reason. */
    problems: JobProblem[];
  };
  spill: {path: string; files: number};
  archive: {
    segments: number;
    /** Segments marked broken (`bonnie verify --mark-broken`): their messages count as not archived. */
    brokenSegments: number;
    /** Messages stored (each content once). */
    messages: number;
    /** Bytes of the messages as received, and as stored (compressed). */
    originalBytes: number;
    storedBytes: number;
    /** Messages waiting for the collector, and those it could not get (with the reason, see the catalog). */
    collectPending: number;
    collectUnrecoverable: number;
  };
  /** Folder snapshots recorded by `bonnie archive`. */
  snapshots: {
    /** Folders (by Cyrus' mailboxID) with at least one snapshot. */
    folders: number;
    /** Snapshots recorded in all. */
    total: number;
    /** When the latest snapshot was taken (ISO), null when none was. */
    lastTakenAt: string | null;
    /** Seconds since then, null when none was taken. */
    lastAgeSeconds: number | null;
  };
  gaps: {
    /** Holes in the record: events Cyrus never delivered (see `bonnie gaps`). */
    open: number;
    /** Notifications the gap detector has not read yet. */
    unscanned: number;
    /** Folders waiting for the collector to re-read their state. */
    reconcilePending: number;
    /** Reconcile jobs that failed and wait for a retry. */
    reconcileFailed: number;
    /** Reconcile jobs given up after max_attempts (their last error in the reconcile_job table). */
    reconcileDead: number;
  };
}

export function readStatus(catalog: Catalog, spillDir: string, now = Date.now()): Status {
  const {db} = catalog;
  const byState = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
  for (const row of db.prepare<[], {state: JobState; n: number}>('SELECT state, count(*) AS n FROM job GROUP BY state').all()) byState[row.state] = row.n;
  const quarantined = count(db, 'SELECT count(*) AS n FROM quarantine');
  const oldest = db
    .prepare<[], {at: number | null}>(`SELECT min(n.received_at) AS at FROM job j JOIN notification n ON n.id = j.notification_id WHERE j.state = 'pending'`)
    .get()?.at;
  const known = EVENT_TYPES.map(() => '?').join(', ');
  const unknownTypes = Object.fromEntries(
    db
      .prepare<string[], {type: string; n: number}>(`SELECT event_type AS type, count(*) AS n FROM notification WHERE event_type NOT IN (${known}) GROUP BY event_type ORDER BY event_type`)
      .all(...EVENT_TYPES)
      .map((r) => [r.type, r.n]),
  );
  const problems = db
    .prepare<[number], {notification_id: number; event_type: string; state: 'failed' | 'dead'; attempts: number; last_error: string | null; retry_at: number | null}>(
      `SELECT j.notification_id, n.event_type, j.state, j.attempts, j.last_error, j.retry_at
         FROM job j JOIN notification n ON n.id = j.notification_id
        WHERE j.state IN ('failed', 'dead') ORDER BY j.updated_at DESC, j.notification_id DESC LIMIT ?`,
    )
    .all(PROBLEMS_SHOWN)
    .map((r) => ({notificationId: r.notification_id, eventType: r.event_type, state: r.state, attempts: r.attempts, lastError: r.last_error, retryAt: r.state === 'failed' && r.retry_at !== null ? new Date(r.retry_at).toISOString() : null}));
  const snapshots = db.prepare<[], {folders: number; total: number; last: number | null}>('SELECT count(DISTINCT mailbox_id) AS folders, count(*) AS total, max(taken_at) AS last FROM snapshot').get();
  const lastSnapshot = snapshots?.last ?? null;
  const duplicates = db.prepare<[], {n: number | null}>('SELECT sum(deliveries - 1) AS n FROM notification').get()?.n ?? 0;
  return {
    catalog: {path: catalog.path, sizeBytes: fileSize(catalog.path) + fileSize(`${catalog.path}-wal`), schemaVersion: catalog.schemaVersion, latestSchemaVersion: LATEST_SCHEMA_VERSION},
    queue: {
      ...byState,
      quarantined,
      oldestPendingAgeSeconds: oldest == null ? null : Math.max(0, Math.round((now - oldest) / 1000)),
      oldestPendingReceivedAt: oldest == null ? null : new Date(oldest).toISOString(),
      duplicateDeliveries: duplicates,
      unknownTypes,
      problems,
    },
    spill: {path: spillDir, files: listSpill(spillDir, now).length},
    archive: {
      segments: count(db, 'SELECT count(*) AS n FROM segment'),
      brokenSegments: count(db, "SELECT count(*) AS n FROM segment WHERE state = 'broken'"),
      messages: count(db, 'SELECT count(*) AS n FROM blob'),
      originalBytes: count(db, 'SELECT coalesce(sum(original_length), 0) AS n FROM blob'),
      storedBytes: count(db, 'SELECT coalesce(sum(stored_length), 0) AS n FROM blob'),
      collectPending: count(db, "SELECT count(*) AS n FROM collect_job WHERE state = 'pending'"),
      collectUnrecoverable: count(db, "SELECT count(*) AS n FROM collect_job WHERE state = 'unrecoverable'"),
    },
    snapshots: {
      folders: snapshots?.folders ?? 0,
      total: snapshots?.total ?? 0,
      lastTakenAt: lastSnapshot === null ? null : new Date(lastSnapshot).toISOString(),
      lastAgeSeconds: lastSnapshot === null ? null : Math.max(0, Math.round((now - lastSnapshot) / 1000)),
    },
    gaps: {
      open: count(db, "SELECT count(*) AS n FROM gap WHERE state = 'open'"),
      unscanned: count(db, 'SELECT count(*) AS n FROM notification WHERE id > coalesce((SELECT last_notification_id FROM gap_scan WHERE id = 1), 0)'),
      reconcilePending: count(db, "SELECT count(*) AS n FROM reconcile_job WHERE state IN ('pending', 'claimed')"),
      reconcileFailed: count(db, "SELECT count(*) AS n FROM reconcile_job WHERE state = 'failed'"),
      reconcileDead: count(db, "SELECT count(*) AS n FROM reconcile_job WHERE state = 'dead'"),
    },
  };
}

function count(db: Catalog['db'], sql: string): number {
  return db.prepare<[], {n: number}>(sql).get()?.n ?? 0;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
