/**
 * `bonnie status`: how full the queue is, what is stuck, what waits in the spill folder and the capture
 * journal, what the archive holds (and which of its segments are broken), when folders were last
 * snapshotted, and the health all that adds up to (health.ts).
 * JSON field names are a contract: add, never rename.
 */
import {isoTime} from '../../core/time.js';
import {statSync} from 'node:fs';
import {join, resolve} from 'node:path';
import type {Catalog} from '../../base/catalog/catalog.js';
import {latestSchemaVersion} from '../../base/catalog/migrations.js';
import {listSpill} from '../../pipeline/capture/spill.js';
import {listJournals} from '../../pipeline/capture/journal.js';
import {JournalDrain} from '../../pipeline/capture/journal-drain.js';
import {EXIT} from '../../base/errors.js';
import {archiveCounts} from '../../store/archive/index/repository.js';
import {gapCounts} from '../../pipeline/capture/gaps.js';
import {reconcileCounts} from '../../pipeline/capture/reconcile-jobs.js';
import {collectJobCounts} from '../../pipeline/collect/jobs.js';
import {NotificationLog} from '../../pipeline/queue/notifications.js';
import type {JobState} from '../../pipeline/queue/jobs.js';
import {countNeedingReview} from '../../pipeline/queue/quarantine.js';
import {queueCounts} from '../../pipeline/queue/stats.js';
import {Policy} from '../../pipeline/retention/policy.js';
import {snapshotCounts} from '../../pipeline/snapshot/repository.js';
import {assessHealth, DEFAULT_THRESHOLDS, type Health, type HealthThresholds} from './health.js';
import {isProcessAlive} from '../../base/system/processes.js';

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
    /** Quarantined deliveries not resolved (requeued or acknowledged), or delivered again since. */
    quarantineNeedingReview: number;
    /** Seconds since the oldest pending job was received; null when none is pending. */
    oldestPendingAgeSeconds: number | null;
    oldestPendingReceivedAt: string | null;
    /**
     * Seconds the longest-waiting pending job has been pending: since it was received, or since it was
     * re-queued (`bonnie queue retry`, `bonnie quarantine requeue`); null when none is pending.
     */
    oldestPendingWaitSeconds: number | null;
    /** Byte-identical repeats received and counted, not stored again. */
    duplicateDeliveries: number;
    /** Events whose type bonnie does not know (kept and queued), by type. */
    unknownTypes: Record<string, number>;
    /** The most recent jobs that failed (waiting for a retry) or went dead, with the reason. */
    problems: JobProblem[];
  };
  spill: {path: string; files: number};
  /** The socket daemon's capture journal (`<spill>/journal`). */
  journal: {
    path: string;
    files: number;
    /** Bytes journaled and not yet moved into the queue. */
    pendingBytes: number;
    /** Files whose daemon is gone: they wait for the next daemon or "bonnie dealer --drain-spill". */
    waitingFiles: number;
  };
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
    /** Gaps whose folder the collector re-read whole and archived: settled, not a problem. */
    reconciled: number;
    /** Notifications the gap detector has not read yet. */
    unscanned: number;
    /** Folders waiting for the collector to re-read their state. */
    reconcilePending: number;
    /** Reconcile jobs that failed and wait for a retry. */
    reconcileFailed: number;
    /** Reconcile jobs given up after max_attempts (their last error in the reconcile_job table). */
    reconcileDead: number;
  };
  /** Retention rules and legal holds in force, and what the latest `bonnie prune --dry-run` found. */
  retention: {
    rules: number;
    activeHolds: number;
    /** null until a dry run was made. Its figures are as of `at`: run the dry run again for today's. */
    lastPlan: {id: string; at: string; expired: number; expiredBytes: number; held: number; heldBytes: number; expiringSoon: number; expiringSoonBytes: number} | null;
    /** What `bonnie prune --plan` removed so far (its tombstones): messages, bytes as received and as stored. */
    pruned: {messages: number; originalBytes: number; storedBytes: number};
  };
  /** ok, warning or critical, with the reasons (health.ts); `exit` is bonnie status' exit status for it. */
  health: Health & {exit: number; thresholds: HealthThresholds};
}

/** Exit status of `bonnie status` for each health level (bonnie(1), EXIT STATUS). */
export const HEALTH_EXIT = {ok: EXIT.ok, warning: EXIT.warning, critical: EXIT.critical} as const;

export function readStatus(catalog: Catalog, spillDir: string, now = Date.now(), thresholds: HealthThresholds = DEFAULT_THRESHOLDS): Status {
  const {db} = catalog;
  const q = queueCounts(db, PROBLEMS_SHOWN);
  const oldest = q.oldestPendingReceivedAt;
  const pendingSince = q.pendingSince;
  const problems = q.problems.map((p) => ({...p, retryAt: p.retryAt === null ? null : isoTime(p.retryAt)}));
  const snapshots = snapshotCounts(db);
  const lastSnapshot = snapshots.lastTakenAt;
  const quarantineNeedingReview = countNeedingReview(db);
  const journal = readJournal(catalog, spillDir);
  const since = now - thresholds.recentHours * 3600 * 1000;
  const collect = collectJobCounts(db, since);
  const gaps = gapCounts(db);
  const reconcile = reconcileCounts(db, since);
  const status: Omit<Status, 'health'> = {
    catalog: {path: catalog.path, sizeBytes: fileSize(catalog.path) + fileSize(`${catalog.path}-wal`), schemaVersion: catalog.schemaVersion, latestSchemaVersion: latestSchemaVersion()},
    queue: {
      ...q.byState,
      quarantined: q.quarantined,
      quarantineNeedingReview,
      oldestPendingAgeSeconds: oldest == null ? null : Math.max(0, Math.round((now - oldest) / 1000)),
      oldestPendingReceivedAt: oldest == null ? null : isoTime(oldest),
      oldestPendingWaitSeconds: pendingSince == null ? null : Math.max(0, Math.round((now - pendingSince) / 1000)),
      duplicateDeliveries: q.duplicateDeliveries,
      unknownTypes: q.unknownTypes,
      problems,
    },
    spill: {path: spillDir, files: listSpill(spillDir, now).length},
    journal,
    archive: {
      ...archiveCounts(db),
      collectPending: collect.pending,
      collectUnrecoverable: collect.unrecoverable,
    },
    snapshots: {
      folders: snapshots.folders,
      total: snapshots.total,
      lastTakenAt: lastSnapshot === null ? null : isoTime(lastSnapshot),
      lastAgeSeconds: lastSnapshot === null ? null : Math.max(0, Math.round((now - lastSnapshot) / 1000)),
    },
    gaps: {
      open: gaps.open,
      reconciled: gaps.reconciled,
      unscanned: new NotificationLog(db).countAfter(gaps.scannedUpTo),
      reconcilePending: reconcile.pending,
      reconcileFailed: reconcile.failed,
      reconcileDead: reconcile.dead,
    },
    retention: readRetention(catalog),
  };
  const health = assessHealth(
    {
      queue: {...status.queue},
      spill: status.spill,
      journal,
      archive: {brokenSegments: status.archive.brokenSegments, collectUnrecoverableRecent: collect.unrecoverableSince},
      gaps: {...status.gaps, reconcileDeadRecent: reconcile.deadSince},
    },
    thresholds,
  );
  return {...status, health: {...health, exit: HEALTH_EXIT[health.level], thresholds}};
}

/** Rules, holds and the latest plan; a catalog older than migration 16 (read-only) has none. */
function readRetention(catalog: Catalog): Status['retention'] {
  if (catalog.schemaVersion < 16) return {rules: 0, activeHolds: 0, lastPlan: null, pruned: {messages: 0, originalBytes: 0, storedBytes: 0}};
  const policy = new Policy(catalog.db);
  const pruned = catalog.schemaVersion < 17 ? {messages: 0, originalBytes: 0, storedBytes: 0} : policy.tombstoneCounts();
  const last = policy.lastPlan();
  type Summary = {expired: number; expiredBytes: number; held: number; heldBytes: number; rules: Array<{expiringSoon: number; expiringSoonBytes: number}>};
  const plan = last?.summary as Summary | undefined;
  return {
    ...policy.counts(),
    lastPlan:
      last === undefined || plan === undefined
        ? null
        : {
            id: last.id,
            at: isoTime(last.createdAt),
            expired: plan.expired,
            expiredBytes: plan.expiredBytes,
            held: plan.held,
            heldBytes: plan.heldBytes,
            expiringSoon: plan.rules.reduce((n, r) => n + r.expiringSoon, 0),
            expiringSoonBytes: plan.rules.reduce((n, r) => n + r.expiringSoonBytes, 0),
          },
    pruned,
  };
}

/** The capture journal's files; those whose writer is gone wait for a drain nobody is running. */
function readJournal(catalog: Catalog, spillDir: string): Status['journal'] {
  const path = join(resolve(spillDir), 'journal');
  const files = listJournals(path);
  return {path, files: files.length, pendingBytes: files.length === 0 ? 0 : new JournalDrain(catalog.db).pendingBytes(path), waitingFiles: files.filter((f) => !isProcessAlive(f.pid)).length};
}


function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
