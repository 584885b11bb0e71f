/**
 * `bonnie collector`: stores the bytes of every message an arrival announced. It turns new notifications
 * into jobs (jobs.ts), reads each pending message's file from Cyrus' partitions (spool.ts), puts it into the
 * archive, and once the archive writer has committed (fsynced, read back, indexed) marks the batch's jobs
 * done with their blob id, in one transaction. A crash between the two leaves jobs pending whose bytes are
 * already archived: the next run stores nothing new for them (the archive deduplicates by SHA-256) and marks
 * them done.
 *
 * A message whose file is gone (expunged and cleaned by cyr_expire, or its folder deleted) is recorded as
 * unrecoverable with the reason, never skipped. With imap_url set, a message this host cannot reach (no
 * partition here, its folder in none of them, permission denied) is fetched over IMAP (imap-reader.ts);
 * without it, a permission error stops the run (SpoolUnreadable).
 *
 * Then, with the message jobs' writer closed, the reconcile jobs (reconcile.ts): folders re-read whole
 * after a gap in the events, or for their metadata when they were created or renamed.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {ArchiveWriter} from '../../store/archive/store.js';
import type {ImapSettings} from '../../base/config/settings.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import type {FolderRef} from '../../core/folder.js';
import {ContentAlerter} from '../dlp/content.js';
import type {Alert} from '../dlp/alerts.js';
import type {RuleSet} from '../dlp/rules.js';
import {ImapMessageReader} from './imap-reader.js';
import {CollectJobs, scanForJobs, type CollectJob, type JobOutcome, type JobScanSummary} from './jobs.js';
import {reconcileFolders, type ReconcileSummary} from './reconcile.js';
import {openSpool, routeRead, type SpoolReader} from './spool.js';
import {writeSegmentRecord, writeSegmentRecordNow} from '../snapshot/segment-record.js';

export {SPOOL_GONE_REASON} from './spool.js';
export {NOT_ON_IMAP_REASON} from './imap-reader.js';

/** Jobs per archive commit and catalog transaction. */
export const COLLECT_BATCH_JOBS = 500;

export interface CollectOptions {
  /** The archive folder. */
  archiveDir: string;
  /** Cyrus' partition root (imapd.conf `partition-default`). */
  spool: string;
  /** Cyrus' other partition roots, searched after `spool`. */
  partitions?: readonly string[];
  /** Cyrus over IMAP, for what the spool here cannot give, and for folder metadata. */
  imap?: ImapSettings | undefined;
  /** Folder annotations to record in the snapshot of each new or renamed folder (needs `imap`). */
  folderMetadata?: readonly string[];
  /** Collect at most this many message jobs in this run. */
  limit?: number | undefined;
  /** Runs a job may fail (other than for a vanished file) before it is recorded unrecoverable, or dead (`max_attempts`). */
  maxAttempts?: number;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** Warnings (a partition skipped, a checksum mismatch), for stderr. */
  warn?: (message: string) => void;
  /** Called after each committed batch of message jobs, and once after the reconcile jobs when there were any. */
  onProgress?: (progress: CollectProgress) => void;
  /** DLP rules: their content rules run over each delivered or appended message stored (issue 15). */
  dlpRules?: RuleSet | undefined;
  /** local_domains: what an APPEND's direction is (dlp/direction.ts). */
  localDomains?: readonly string[] | undefined;
  /** Called with each DLP alert raised, once it has committed (for syslog). */
  onDlpAlert?: (alert: Alert) => void;
  /** Mails the alerts waiting in the outbox (dlp/notify.ts): after each batch that raised one, and at the end (retries). */
  deliverDlpMail?: () => Promise<unknown>;
}

/** Counts of one committed batch of message jobs. */
export interface CollectBatch {
  jobs: number;
  collected: number;
  alreadyStored: number;
  overImap: number;
  unrecoverable: number;
  failed: number;
}

export type CollectProgress =
  | {
      phase: 'messages';
      /** Message jobs handled by this run so far. */
      done: number;
      /** Message jobs pending when the run started (at most `limit`). */
      total: number;
      /** Bytes of the messages read so far (before compression). */
      bytes: number;
      /** The folder of the batch's last job (admin form). */
      folder: string | null;
      batch: CollectBatch;
    }
  | {phase: 'reconcile'; reconcile: ReconcileSummary};

export interface CollectSummary {
  /** Notifications read and jobs they created. */
  scan: JobScanSummary;
  /** Messages whose bytes were stored now. */
  collected: number;
  /** Messages whose bytes the archive already held (a copy, a move, the same message to many people). */
  alreadyStored: number;
  /** Of the collected and already stored, messages whose bytes came over IMAP. */
  overImap: number;
  /** Messages whose bytes are gone. */
  unrecoverable: number;
  /** Jobs that failed for another reason and stay pending for the next run. */
  failed: number;
  /** Jobs still pending after this run. */
  remaining: number;
  /** Folders re-read whole: after a gap in the events, or for their metadata. */
  reconcile: ReconcileSummary;
  /** DLP alerts raised by the content rules on the messages stored. */
  dlpAlerts: number;
}

/** Runs the collector once: scan, collect every pending job (or `limit` of them), then the reconcile jobs. */
export async function collect(catalog: Catalog, options: CollectOptions): Promise<CollectSummary> {
  const now = options.now ?? Date.now;
  const warn = options.warn ?? (() => undefined);
  const maxAttempts = options.maxAttempts ?? Number.MAX_SAFE_INTEGER;
  const jobs = new CollectJobs(catalog.db);
  const folderSnapshots = options.imap !== undefined && (options.folderMetadata?.length ?? 0) > 0;
  const scan = scanForJobs(catalog.db, now(), {folderSnapshots});
  let spool: SpoolReader | undefined;
  const spoolReader = () => (spool ??= openSpool([options.spool, ...(options.partitions ?? [])], options.imap !== undefined, warn));

  const messages = await collectMessages(catalog, jobs, spoolReader, {...options, now, warn, maxAttempts});
  const reconcile = await reconcileFolders(catalog, {
    archiveDir: options.archiveDir,
    spool: spoolReader,
    imap: options.imap,
    metadata: options.folderMetadata ?? [],
    knownFolder: (id) => jobs.knownFolder(id),
    maxAttempts,
    now,
    warn,
  });
  if (reconcile.done + reconcile.cancelled + reconcile.failed + reconcile.dead > 0) options.onProgress?.({phase: 'reconcile', reconcile});
  // Archive format 2: what the segments do not carry yet (issue 19); nothing, and no new segment, when the
  // message writer above wrote it and the reconcile jobs added nothing.
  writeSegmentRecordNow(catalog, options.archiveDir, now);
  // Mail that failed before (this run's or an earlier one's) is retried once its time has come.
  await options.deliverDlpMail?.();
  return {scan, ...messages, remaining: jobs.countPending(), reconcile};
}

type MessageCounts = Pick<CollectSummary, 'collected' | 'alreadyStored' | 'overImap' | 'unrecoverable' | 'failed' | 'dlpAlerts'>;

async function collectMessages(
  catalog: Catalog,
  jobs: CollectJobs,
  spoolReader: () => SpoolReader,
  options: CollectOptions & {now: () => number; warn: (message: string) => void; maxAttempts: number},
): Promise<MessageCounts> {
  const {now} = options;
  const counts: MessageCounts = {collected: 0, alreadyStored: 0, overImap: 0, unrecoverable: 0, failed: 0, dlpAlerts: 0};
  const content = options.dlpRules === undefined ? undefined : new ContentAlerter(catalog.db, options.dlpRules, options.localDomains);
  let budget = options.limit ?? Number.POSITIVE_INFINITY;
  let batch = jobs.pending(0, Math.min(COLLECT_BATCH_JOBS, budget), now());
  if (batch.length === 0) return counts;
  const total = options.onProgress === undefined ? 0 : Math.min(jobs.countPending(), budget);
  let done = 0;
  let bytes = 0;
  const spool = spoolReader();
  const imap = options.imap === undefined ? undefined : new ImapMessageReader(options.imap, {knownName: (id) => jobs.latestName(id), warn: options.warn});
  let stop: unknown;
  try {
    const writer = ArchiveWriter.open(catalog, options.archiveDir, {now});
    try {
      while (batch.length > 0) {
        const outcomes: JobOutcome[] = [];
        const before = {...counts};
        const store = async (job: CollectJob, message: Buffer) => {
          bytes += message.length;
          const put = writer.put(message);
          if (put.stored) counts.collected++;
          else counts.alreadyStored++;
          outcomes.push({kind: 'done', jobId: job.id, sha256: put.id});
          // Scanned while its bytes are at hand; its alerts are written once they are committed.
          try {
            await content?.scan(job, message);
          } catch (error) {
            options.warn(`DLP: message ${job.mailboxName} UID ${job.uid} could not be scanned: ${errorMessage(error)}`);
          }
        };
        const unrecoverable = (job: CollectJob, reason: string) => {
          counts.unrecoverable++;
          outcomes.push({kind: 'unrecoverable', jobId: job.id, reason});
        };
        const failed = (job: CollectJob, error: string) => {
          counts.failed++;
          outcomes.push({kind: 'failed', jobId: job.id, error});
        };

        // The spool first; what it cannot give goes over IMAP afterwards, one folder at a time.
        const overImap = new Map<string, {folder: Required<FolderRef>; jobs: Map<number, CollectJob>}>();
        for (const job of batch) {
          const route = routeRead(spool.read(job.mailboxId, job.uid), imap !== undefined);
          if (route.kind === 'store') await store(job, route.bytes);
          else if (route.kind === 'unrecoverable') unrecoverable(job, route.reason);
          else if (route.kind === 'failed') failed(job, route.error);
          else if (route.kind === 'imap') {
            const key = `${job.mailboxId}\0${job.uidValidity}\0${job.mailboxName}`;
            const group = overImap.get(key) ?? {folder: {mailboxId: job.mailboxId, name: job.mailboxName, uidValidity: job.uidValidity}, jobs: new Map()};
            group.jobs.set(job.uid, job);
            overImap.set(key, group);
          } else {
            // Permission denied without IMAP: keep what this batch already read, then stop.
            stop = route.error;
            break;
          }
        }
        if (stop === undefined && imap !== undefined) {
          try {
            for (const group of overImap.values()) {
              for await (const got of imap.read(group.folder, [...group.jobs.keys()])) {
                const job = group.jobs.get(got.uid) as CollectJob;
                if ('bytes' in got) {
                  await store(job, got.bytes);
                  counts.overImap++;
                } else if ('gone' in got) unrecoverable(job, got.gone);
                else failed(job, got.failed);
              }
              // Durable folder by folder: the network is slow, and each commit renews the archive lock.
              writer.commit();
            }
          } catch (error) {
            // The server, not a folder: nothing more over IMAP this run, no job charged for it.
            stop = error;
          }
        }
        // The links only after the bytes are durable and verified.
        writer.commit();
        // The jobs' outcomes and their messages' DLP alerts in one transaction: both or neither.
        const raised = catalog.db.transaction(() => {
          jobs.record(outcomes, now(), options.maxAttempts);
          return content?.flush(now()) ?? [];
        })();
        counts.dlpAlerts += raised.length;
        for (const alert of raised) options.onDlpAlert?.(alert);
        if (raised.length > 0) await options.deliverDlpMail?.();
        done += outcomes.length;
        const delta = (k: keyof MessageCounts) => counts[k] - before[k];
        options.onProgress?.({
          phase: 'messages',
          done,
          total: Math.max(total, done),
          bytes,
          folder: batch.at(-1)?.mailboxName ?? null,
          batch: {jobs: outcomes.length, collected: delta('collected'), alreadyStored: delta('alreadyStored'), overImap: delta('overImap'), unrecoverable: delta('unrecoverable'), failed: delta('failed')},
        });
        budget -= batch.length;
        if (stop !== undefined || budget <= 0) break;
        batch = jobs.pending((batch.at(-1) as {id: number}).id, Math.min(COLLECT_BATCH_JOBS, budget), now());
      }
      // Archive format 2: the record, snapshots and links into this writer's segment (issue 19).
      if (stop === undefined) writeSegmentRecord(catalog, writer);
    } finally {
      writer.close();
    }
  } finally {
    await imap?.close();
  }
  if (stop !== undefined) throw stop instanceof BonnieError ? stop : new BonnieError('CollectFailed', String(stop), {cause: stop});
  return counts;
}
