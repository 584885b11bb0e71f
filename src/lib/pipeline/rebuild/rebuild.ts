/**
 * `bonnie rebuild` (issue 19): a new catalog from the archive's segments alone (archive format 2). In order:
 * the archive index (every segment walked, every blob re-hashed), the accepted notifications (each with a
 * pending job: processed again) and the evidence chain, checked link by link against the notifications;
 * snapshots; message links (the archive's, and the collector's jobs made again from the notifications and
 * marked done); the policy log (rules, holds and approvals made again from it, its chain checked), prune
 * plans, tombstones, DLP alerts with their chain (checked) and acknowledgements, the quarantine and the
 * operators' actions on the queue (catalog migration 22); then the record (`bonnie process`) and, through `finish`, the search index.
 *
 * Crash safety: everything is written into `<catalog>.rebuilding`, removed first if a killed run left
 * it, and renamed to the catalog asked for only at the end (after fsync): a run killed at any point leaves
 * no catalog, and the next run starts over and gives the same result.
 */
import {closeSync, existsSync, fsyncSync, openSync, renameSync} from 'node:fs';
import {dirname} from 'node:path';
import {openCatalog, type Catalog} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import {fsyncFolder, removeIfPresent} from '../../base/system/files.js';
import {rebuildArchiveIndex, type IndexRebuildSummary, type RebuiltMember} from '../../store/archive/rebuild-index.js';
import type {Directory} from '../../sources/directory/types.js';
import {CollectJobs, scanForJobs, type JobOutcome} from '../collect/jobs.js';
import {restoreChainLinks, verifyChain} from '../process/chain.js';
import {processQueue, type ProcessSummary} from '../process/engine.js';
import {restoreNotifications} from '../queue/ingest.js';
import type {NotificationDump} from '../queue/notifications.js';
import type {RecordLine} from '../snapshot/segment-record.js';
import {SnapshotSegmentRows, type LinkDump, type SnapshotDump} from '../snapshot/segment-rows.js';
import {CarriedMembers, type CarriedSummary} from './carried.js';

export interface RebuildOptions {
  archiveDir: string;
  /** The catalog to create; must not exist. */
  catalogPath: string;
  /** Who a login is, for the record (as `bonnie process`). */
  directory: Directory;
  /** An empty folder for process' spill drain: a rebuild takes nothing from the live spill folder. */
  spillDir: string;
  maxAttempts: number;
  sessionTimeoutMs?: number;
  /** Runs on the new catalog after the record, before the rename: the search index. */
  finish?: (catalog: Catalog) => Promise<void>;
  onProgress?: (progress: RebuildProgress) => void;
  now?: () => number;
}

export interface RebuildProgress {
  phase: 'segments' | 'record' | 'search';
  done: number;
  total: number;
}

export interface RebuildSummary {
  catalog: string;
  archiveFormat: number;
  segments: number;
  openSegments: number;
  blobs: number;
  members: number;
  notifications: number;
  chainLinks: number;
  snapshots: number;
  links: number;
  /** The catalog's other evidence the segments carried (catalog migration 22). */
  carried: CarriedSummary;
  /** Members not indexed: their bytes are not what their name says. */
  skipped: IndexRebuildSummary['skipped'];
  process: {done: number; failed: number; dead: number};
  elapsedMs: number;
}

/** Rebuilds a catalog from the archive at `archiveDir`; see the module comment. */
export async function rebuildCatalog(options: RebuildOptions): Promise<RebuildSummary> {
  const now = options.now ?? Date.now;
  const started = now();
  const target = options.catalogPath;
  if (existsSync(target)) {
    throw new BonnieError('RebuildTargetExists', `${target} exists: bonnie rebuild only creates a new catalog`, {
      exit: EXIT.usage,
      hint: 'Name a new file with --catalog (the rebuilt catalog), then move it into place once "bonnie verify" passes on it.',
    });
  }
  const temporary = `${target}.rebuilding`;
  for (const suffix of ['', '-wal', '-shm', '-journal']) removeIfPresent(temporary + suffix);
  const catalog = openCatalog(temporary, {create: true});
  let summary: RebuildSummary;
  try {
    summary = await rebuildInto(catalog, options, now);
    summary.catalog = target;
  } finally {
    catalog.close();
  }
  const fd = openSync(temporary, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, target);
  fsyncFolder(dirname(target));
  summary.elapsedMs = now() - started;
  return summary;
}

async function rebuildInto(catalog: Catalog, options: RebuildOptions, now: () => number): Promise<RebuildSummary> {
  const db = catalog.db;
  const rows = new SnapshotSegmentRows(db);
  const notifications = new Map<number, {row: NotificationDump; seq: number; hash: Buffer}>();
  const snapshots = new Map<number, SnapshotDump>();
  const links = new Map<number, LinkDump>();
  const carried = new CarriedMembers();
  const onMember = (m: RebuiltMember) => {
    if (carried.add(m.kind, m.content)) return;
    const lines = m.kind === 'snapshot' ? [] : m.content.toString('utf8').split('\n').filter((l) => l.length > 0);
    if (m.kind === 'snapshot') snapshots.set(m.firstId, JSON.parse(m.content.toString('utf8')) as SnapshotDump);
    else if (m.kind === 'record') {
      for (const line of lines) {
        const r = JSON.parse(line) as RecordLine;
        const row: NotificationDump = {
          id: r.id,
          sha256: Buffer.from(r.sha256, 'hex'),
          raw: Buffer.from(r.raw, 'base64'),
          received_at: r.receivedAt,
          source: r.source,
          spill_file: r.spillFile,
          event_type: r.eventType,
          event_time: r.eventTime,
          mailbox_id: r.mailboxId,
          deliveries: r.deliveries,
          last_delivered_at: r.lastDeliveredAt,
        };
        notifications.set(r.id, {row, seq: r.chainSeq, hash: Buffer.from(r.chain, 'hex')});
      }
    } else for (const [i, line] of lines.entries()) links.set(m.firstId + i, JSON.parse(line) as LinkDump);
  };
  const index = rebuildArchiveIndex(catalog, options.archiveDir, onMember, (p) => options.onProgress?.({phase: 'segments', done: p.segmentsDone, total: p.segments}));

  // The record of events: notifications in id order, with their chain links, then the chain checked whole.
  const ordered = [...notifications.values()].sort((a, b) => a.row.id - b.row.id);
  db.transaction(() => {
    restoreNotifications(
      db,
      ordered.map((n) => n.row),
      now(),
    );
    restoreChainLinks(
      db,
      ordered.map((n) => ({seq: n.seq, notificationId: n.row.id, hash: n.hash})),
    );
  })();
  const chain = verifyChain(db);
  if (chain.firstProblem !== null) {
    const p = chain.firstProblem;
    throw new BonnieError('RebuildChainBroken', `the evidence chain in the archive's record members breaks at notification ${p.notificationId} (${p.kind}), after ${chain.checked} good link(s): nothing was rebuilt`, {
      exit: EXIT.unsound,
      hint: 'A record member was altered or one is missing (a segment lost or damaged): run "bonnie verify --read-data" on the original catalog if you still have it; restore the segment files from a copy.',
    });
  }

  // Snapshots and links, later links winning; the collector's jobs made again from the notifications.
  const orderedLinks = [...links.entries()].sort((a, b) => a[0] - b[0]);
  db.transaction(() => {
    for (const s of [...snapshots.values()].sort((a, b) => a.id - b.id)) rows.restoreSnapshot(s);
    for (const [seq, link] of orderedLinks) rows.restoreLinks(seq, [link]);
  })();
  // The rest of the evidence, before the record: alerts first, so that nothing raises them again.
  const carriedSummary = carried.restore(db);
  scanForJobs(db, now());
  const jobs = new CollectJobs(db);
  const done: JobOutcome[] = [];
  for (const [, l] of orderedLinks) {
    if (l.source !== 'collector' || l.sha256 === null) continue;
    const job = jobs.find(l.mailboxId, l.uidValidity, l.uid);
    if (job !== undefined) done.push({kind: 'done', jobId: job.id, sha256: Buffer.from(l.sha256, 'hex')});
  }
  jobs.record(done, now());

  // The record, as bonnie process makes it.
  const total = ordered.length;
  const processed: ProcessSummary = await processQueue(catalog, options.directory, {
    spillDir: options.spillDir,
    maxAttempts: options.maxAttempts,
    ...(options.sessionTimeoutMs === undefined ? {} : {sessionTimeoutMs: options.sessionTimeoutMs}),
    onProgress: (p) => options.onProgress?.({phase: 'record', done: p.processed, total}),
  });
  options.onProgress?.({phase: 'search', done: 0, total: index.blobs});
  await options.finish?.(catalog);
  return {
    catalog: '',
    archiveFormat: index.format,
    segments: index.segments,
    openSegments: index.openSegments,
    blobs: index.blobs,
    members: index.members,
    notifications: ordered.length,
    chainLinks: chain.checked,
    snapshots: snapshots.size,
    links: links.size,
    carried: carriedSummary,
    skipped: index.skipped,
    process: {done: processed.done, failed: processed.failed, dead: processed.dead},
    elapsedMs: 0,
  };
}
