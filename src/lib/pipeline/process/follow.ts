/**
 * `bonnie process --follow`: processes, waits for new events, processes again, until SIGTERM or SIGINT
 * (the current batch finishes first). Each round takes and releases the process lock, so a cron run and a
 * follower never work at the same time.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import type {Directory} from '../../sources/directory/types.js';
import {followUntilSignal} from '../../base/system/follow.js';
import {MAX_WARNINGS_SHOWN, processQueue, type ProcessOptions, type ProcessSummary} from './engine.js';

export function followQueue(catalog: Catalog, directory: Directory, options: ProcessOptions, signals?: readonly NodeJS.Signals[]): Promise<ProcessSummary> {
  return followUntilSignal({
    round: () => processQueue(catalog, directory, options),
    // Nothing done, or stopped early (the directory is down): wait rather than spin.
    idle: (r) => r.done + r.failed + r.dead === 0 || r.stoppedBecause !== null,
    merge,
    signals,
  });
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
    warnings: [...a.warnings, ...b.warnings].slice(0, MAX_WARNINGS_SHOWN),
  };
}
