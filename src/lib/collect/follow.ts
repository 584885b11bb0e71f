/**
 * `bonnie collector --follow`: collects, waits a second when there was nothing to do, collects again, until
 * SIGTERM or SIGINT (the current batch finishes first). Each round opens and closes the archive writer, so
 * the archive lock is held only while there is work.
 */
import type {Catalog} from '../catalog/catalog.js';
import {collect, type CollectOptions, type CollectSummary} from './collector.js';

/** Pause between rounds when there was nothing to collect. */
export const FOLLOW_IDLE_MS = 1000;

export async function followCollect(catalog: Catalog, options: CollectOptions, signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): Promise<CollectSummary> {
  let stopping = false;
  let wake: () => void = () => undefined;
  const onSignal = () => {
    stopping = true;
    wake();
  };
  for (const signal of signals) process.on(signal, onSignal);
  let total: CollectSummary | undefined;
  try {
    while (!stopping) {
      const round = collect(catalog, options);
      total = total === undefined ? round : merge(total, round);
      if (stopping) break;
      if (round.collected + round.alreadyStored + round.unrecoverable + round.failed === 0 || round.remaining === round.failed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, FOLLOW_IDLE_MS).unref();
        });
      }
    }
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
  }
  return total as CollectSummary;
}

function merge(a: CollectSummary, b: CollectSummary): CollectSummary {
  return {
    scan: {scanned: a.scan.scanned + b.scan.scanned, created: a.scan.created + b.scan.created},
    collected: a.collected + b.collected,
    alreadyStored: a.alreadyStored + b.alreadyStored,
    unrecoverable: a.unrecoverable + b.unrecoverable,
    failed: a.failed + b.failed,
    remaining: b.remaining,
  };
}
