/**
 * `bonnie collector --follow`: collects, waits a second when there was nothing to do, collects again, until
 * SIGTERM or SIGINT (the current batch finishes first). Each round opens and closes the archive writer, so
 * the archive lock is held only while there is work.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {followUntilSignal} from '../../base/system/follow.js';
import {collect, type CollectOptions, type CollectSummary} from './collector.js';
import type {ReconcileSummary} from './reconcile.js';

/** `afterRound` runs after each round that did something (the search index's update). */
export function followCollect(catalog: Catalog, options: CollectOptions, signals?: readonly NodeJS.Signals[], afterRound?: () => Promise<unknown>): Promise<CollectSummary> {
  return followUntilSignal({
    round: async () => {
      const r = await collect(catalog, options);
      if (afterRound !== undefined && r.collected + r.alreadyStored + r.reconcile.done > 0) await afterRound();
      return r;
    },
    // Nothing done, or only jobs that keep failing (and wait for their retry) left: wait rather than spin.
    idle: (r) => (r.collected + r.alreadyStored + r.unrecoverable + r.failed === 0 || r.remaining === r.failed) && r.reconcile.done + r.reconcile.failed + r.reconcile.dead === 0,
    merge,
    signals,
  });
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
