/**
 * `bonnie process --follow`: processes, waits for new events, processes again, until SIGTERM or SIGINT
 * (the current batch finishes first). Each round takes and releases the process lock, so a cron run and a
 * follower never work at the same time.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import type {Directory} from '../../sources/directory/types.js';
import {followUntilSignal} from '../../base/system/follow.js';
import {lineTime, type FollowListener} from '../../base/system/follow-lines.js';
import {MAX_WARNINGS_SHOWN, processQueue, type ProcessOptions, type ProcessProgress, type ProcessSummary} from './engine.js';

/** A "batch" line: one committed batch of jobs and what became of them. */
export interface ProcessBatchLine {
  /** Jobs claimed in this batch. */
  jobs: number;
  /** Applied to the record. */
  done: number;
  /** Failed this time (retried later). */
  failed: number;
  /** Gone dead in this batch. */
  dead: number;
  /** Jobs processed since the follower started. */
  processed: number;
}

export type ProcessFollowListener = FollowListener<ProcessBatchLine, ProcessSummary>;

export interface FollowQueueOptions {
  signals?: readonly NodeJS.Signals[];
  /** Receives "started", one "batch" per committed batch, "warning" and "stopped" as they happen. */
  onLine?: ProcessFollowListener;
  now?: () => number;
}

export async function followQueue(catalog: Catalog, directory: Directory, options: ProcessOptions, follow: FollowQueueOptions = {}): Promise<ProcessSummary> {
  const emit = follow.onLine ?? (() => undefined);
  const at = () => lineTime(follow.now);
  let processed = 0;
  let outage: string | null = null;
  const onProgress = (p: ProcessProgress) => {
    options.onProgress?.(p);
    processed += p.batch.jobs;
    emit({type: 'batch', at: at(), ...p.batch, processed});
    for (const w of p.warnings) for (const message of w.warnings) emit({type: 'warning', at: at(), message, notificationId: w.notificationId, event: w.type});
  };
  emit({type: 'started', at: at(), command: 'process', pid: process.pid, catalog: catalog.path});
  const summary = await followUntilSignal({
    round: async () => {
      const r = await processQueue(catalog, directory, {...options, onProgress});
      // Said once per outage, not at every retry (one a second while the directory is down); a round
      // that had nothing to look up says nothing about the directory.
      if (r.stoppedBecause !== null) {
        if (r.stoppedBecause !== outage) emit({type: 'warning', at: at(), message: `stopped early, retrying: ${r.stoppedBecause}`});
        outage = r.stoppedBecause;
      } else if (r.done + r.failed + r.dead > 0) outage = null;
      return r;
    },
    // Nothing done, or stopped early (the directory is down): wait rather than spin.
    idle: (r) => r.done + r.failed + r.dead === 0 || r.stoppedBecause !== null,
    merge,
    signals: follow.signals,
  });
  emit({type: 'stopped', at: at(), ...summary});
  return summary;
}

function merge(a: ProcessSummary, b: ProcessSummary): ProcessSummary {
  const add = (x: Record<string, number>, y: Record<string, number>) => {
    const out = {...x};
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    lockedBy: b.lockedBy,
    spill: {files: a.spill.files + b.spill.files, queued: a.spill.queued + b.spill.queued, duplicates: a.spill.duplicates + b.spill.duplicates, quarantined: a.spill.quarantined + b.spill.quarantined},
    done: a.done + b.done,
    failed: a.failed + b.failed,
    postponed: a.postponed + b.postponed,
    dead: a.dead + b.dead,
    unhandled: add(a.unhandled, b.unhandled),
    byType: add(a.byType, b.byType),
    orphansReleased: a.orphansReleased + b.orphansReleased,
    sessionsClosed: a.sessionsClosed + b.sessionsClosed,
    gaps: {scanned: a.gaps.scanned + b.gaps.scanned, opened: a.gaps.opened + b.gaps.opened, closed: a.gaps.closed + b.gaps.closed},
    remaining: b.remaining,
    stoppedBecause: b.stoppedBecause,
    dlpAlerts: a.dlpAlerts + b.dlpAlerts,
    warnings: [...a.warnings, ...b.warnings].slice(0, MAX_WARNINGS_SHOWN),
  };
}
