/**
 * `bonnie collector --follow`: collects, waits a second when there was nothing to do, collects again, until
 * SIGTERM or SIGINT (the current batch finishes first). Each round opens and closes the archive writer, so
 * the archive lock is held only while there is work.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {followUntilSignal} from '../../base/system/follow.js';
import {lineTime, type FollowListener} from '../../base/system/follow-lines.js';
import {collect, type CollectBatch, type CollectOptions, type CollectProgress, type CollectSummary} from './collector.js';
import type {ReconcileSummary} from './reconcile.js';

/**
 * A "batch" line: a committed batch of message jobs (`kind` "messages", with their counts and the jobs
 * collected since the follower started), or the reconcile jobs of a round (`kind` "reconcile").
 */
export type CollectBatchLine = ({kind: 'messages'; processed: number; folder: string | null} & CollectBatch) | ({kind: 'reconcile'} & ReconcileSummary);

export type CollectFollowListener = FollowListener<CollectBatchLine, CollectSummary>;

export interface FollowCollectOptions {
  signals?: readonly NodeJS.Signals[];
  /** Runs after each round that did something (the search index's update). */
  afterRound?: () => Promise<unknown>;
  /** Receives "started", "batch" per committed batch, "warning" and "stopped" as they happen. */
  onLine?: CollectFollowListener;
  now?: () => number;
}

/** Collects until SIGTERM or SIGINT; resolves with the summary of every round. */
export async function followCollect(catalog: Catalog, options: CollectOptions, follow: FollowCollectOptions = {}): Promise<CollectSummary> {
  const emit = follow.onLine ?? (() => undefined);
  const at = () => lineTime(follow.now);
  let processed = 0;
  const onProgress = (p: CollectProgress) => {
    options.onProgress?.(p);
    if (p.phase === 'messages') {
      processed += p.batch.jobs;
      emit({type: 'batch', at: at(), kind: 'messages', ...p.batch, processed, folder: p.folder});
    } else emit({type: 'batch', at: at(), kind: 'reconcile', ...p.reconcile});
  };
  // With a listener, warnings become lines of their own (in order with the batches); else they go where they went.
  const warn = follow.onLine === undefined ? options.warn : (message: string) => emit({type: 'warning', at: at(), message});
  emit({type: 'started', at: at(), command: 'collector', pid: process.pid, catalog: catalog.path});
  const summary = await followUntilSignal({
    round: async () => {
      const r = await collect(catalog, {...options, warn, onProgress});
      if (follow.afterRound !== undefined && r.collected + r.alreadyStored + r.reconcile.done > 0) await follow.afterRound();
      return r;
    },
    // Nothing done, or only jobs that keep failing (and wait for their retry) left: wait rather than spin.
    idle: (r) => (r.collected + r.alreadyStored + r.unrecoverable + r.failed === 0 || r.remaining === r.failed) && r.reconcile.done + r.reconcile.failed + r.reconcile.dead === 0,
    merge,
    signals: follow.signals,
  });
  emit({type: 'stopped', at: at(), ...summary});
  return summary;
}

function merge(a: CollectSummary, b: CollectSummary): CollectSummary {
  return {
    scan: {scanned: a.scan.scanned + b.scan.scanned, created: a.scan.created + b.scan.created, folders: a.scan.folders + b.scan.folders},
    collected: a.collected + b.collected,
    alreadyStored: a.alreadyStored + b.alreadyStored,
    overImap: a.overImap + b.overImap,
    unrecoverable: a.unrecoverable + b.unrecoverable,
    failed: a.failed + b.failed,
    remaining: b.remaining,
    reconcile: mergeReconcile(a.reconcile, b.reconcile),
    dlpAlerts: a.dlpAlerts + b.dlpAlerts,
  };
}

function mergeReconcile(a: ReconcileSummary, b: ReconcileSummary): ReconcileSummary {
  return {
    done: a.done + b.done,
    cancelled: a.cancelled + b.cancelled,
    gapsReconciled: a.gapsReconciled + b.gapsReconciled,
    failed: a.failed + b.failed,
    dead: a.dead + b.dead,
    remaining: b.remaining,
    snapshots: a.snapshots + b.snapshots,
    collected: a.collected + b.collected,
    alreadyStored: a.alreadyStored + b.alreadyStored,
    unrecoverable: a.unrecoverable + b.unrecoverable,
  };
}
