/**
 * `bonnie collector`: stores the bytes of every message an arrival announced. It turns new notifications
 * into jobs (jobs.ts), reads each pending message's file from Cyrus' spool, puts it into the archive, and
 * once the archive writer has committed (fsynced, read back, indexed) marks the batch's jobs done with their
 * blob id, in one transaction. A crash between the two leaves jobs pending whose bytes are already archived:
 * the next run stores nothing new for them (the archive deduplicates by SHA-256) and marks them done.
 *
 * A message whose file is gone (expunged and cleaned by cyr_expire, or its folder deleted) is recorded as
 * unrecoverable with the reason, never skipped. A permission error stops the run (SpoolUnreadable).
 */
import type {Catalog} from '../catalog/catalog.js';
import {ArchiveWriter} from '../archive/store.js';
import {BonnieError} from '../errors.js';
import {CollectJobs, scanForJobs, type JobOutcome, type JobScanSummary} from './jobs.js';
import {checkSpool, readSpoolFile, spoolPath, type SpoolRead} from './spool.js';

/** Jobs per archive commit and catalog transaction. */
export const COLLECT_BATCH_JOBS = 500;
/** Why a job is unrecoverable when its file is missing. */
export const SPOOL_GONE_REASON = 'spool file gone (expunged and cleaned, or folder deleted) before collection';

export interface CollectOptions {
  /** The archive folder. */
  archiveDir: string;
  /** Cyrus' partition root (imapd.conf `partition-default`). */
  spool: string;
  /** Collect at most this many jobs in this run. */
  limit?: number | undefined;
  /** Runs a job may fail (other than for a vanished file) before it is recorded unrecoverable (`max_attempts`). */
  maxAttempts?: number;
  /** Clock, ms since the epoch. */
  now?: () => number;
}

export interface CollectSummary {
  /** Notifications read and jobs they created. */
  scan: JobScanSummary;
  /** Messages whose bytes were stored now. */
  collected: number;
  /** Messages whose bytes the archive already held (a copy, a move, the same message to many people). */
  alreadyStored: number;
  /** Messages whose file was gone. */
  unrecoverable: number;
  /** Jobs that failed for another reason and stay pending for the next run. */
  failed: number;
  /** Jobs still pending after this run. */
  remaining: number;
}

/** Runs the collector once: scan, then collect every pending job (or `limit` of them). */
export function collect(catalog: Catalog, options: CollectOptions): CollectSummary {
  const now = options.now ?? Date.now;
  const jobs = new CollectJobs(catalog.db);
  const scan = scanForJobs(catalog.db, now());
  const summary: CollectSummary = {scan, collected: 0, alreadyStored: 0, unrecoverable: 0, failed: 0, remaining: 0};
  let budget = options.limit ?? Number.POSITIVE_INFINITY;
  let batch = jobs.pending(0, Math.min(COLLECT_BATCH_JOBS, budget));
  if (batch.length > 0) {
    checkSpool(options.spool);
    const writer = ArchiveWriter.open(catalog, options.archiveDir, {now});
    let stop: unknown;
    try {
      while (batch.length > 0) {
        const outcomes: JobOutcome[] = [];
        for (const job of batch) {
          let read: SpoolRead;
          try {
            read = readSpoolFile(spoolPath(options.spool, job.mailboxId, job.uid));
          } catch (error) {
            // Permission denied: keep what this batch already read, then stop.
            stop = error;
            break;
          }
          if (read.ok) {
            const put = writer.put(read.bytes);
            if (put.stored) summary.collected++;
            else summary.alreadyStored++;
            outcomes.push({kind: 'done', jobId: job.id, sha256: put.id});
          } else if (read.gone) {
            summary.unrecoverable++;
            outcomes.push({kind: 'unrecoverable', jobId: job.id, reason: SPOOL_GONE_REASON});
          } else {
            summary.failed++;
            outcomes.push({kind: 'failed', jobId: job.id, error: read.error});
          }
        }
        // The links only after the bytes are durable and verified.
        writer.commit();
        jobs.record(outcomes, now(), options.maxAttempts);
        budget -= batch.length;
        if (stop !== undefined || budget <= 0) break;
        batch = jobs.pending((batch.at(-1) as {id: number}).id, Math.min(COLLECT_BATCH_JOBS, budget));
      }
    } finally {
      writer.close();
    }
    if (stop !== undefined) throw stop instanceof BonnieError ? stop : new BonnieError('CollectFailed', String(stop), {cause: stop});
  }
  summary.remaining = jobs.countPending();
  return summary;
}
