/** Human rendering of {@link Status}; `--json` prints the object itself. */
import type {Status} from './status.js';

export function renderStatus(status: Status): string {
  const {queue, spill, catalog} = status;
  const last = status.snapshots;
  const snapshots =
    last.lastTakenAt === null || last.lastAgeSeconds === null
      ? '0'
      : `${last.folders} (${last.total} snapshot(s), the last taken ${last.lastTakenAt}, ${formatSeconds(last.lastAgeSeconds)} ago)`;
  const age = queue.oldestPendingAgeSeconds === null ? '-' : `${formatSeconds(queue.oldestPendingAgeSeconds)} (received ${queue.oldestPendingReceivedAt})`;
  const rows: Array<[string, string]> = [
    ['health', `${status.health.level} (exit status ${status.health.exit})`],
    ['queue.pending', String(queue.pending)],
    ['queue.claimed', String(queue.claimed)],
    ['queue.done', String(queue.done)],
    ['queue.failed', String(queue.failed)],
    ['queue.dead', String(queue.dead)],
    ['queue.quarantined', String(queue.quarantined)],
    ['queue.quarantine_needing_review', String(queue.quarantineNeedingReview)],
    ['queue.oldest_pending', age],
    ['queue.longest_pending', queue.oldestPendingWaitSeconds === null ? '-' : `${formatSeconds(queue.oldestPendingWaitSeconds)} (since received or re-queued)`],
    ['queue.duplicate_deliveries', String(queue.duplicateDeliveries)],
    ['queue.unknown_types', Object.entries(queue.unknownTypes).map(([type, n]) => `${type} (${n})`).join(', ') || '-'],
    ['spill.files', `${spill.files} in ${spill.path}`],
    ['journal.files', `${status.journal.files} (${status.journal.waitingFiles} left by a daemon that is gone), ${formatBytes(status.journal.pendingBytes)} not queued, in ${status.journal.path}`],
    ['archive.messages', `${status.archive.messages} in ${status.archive.segments} segment(s), ${formatBytes(status.archive.storedBytes)} stored for ${formatBytes(status.archive.originalBytes)}`],
    ['archive.broken_segments', status.archive.brokenSegments === 0 ? '0' : `${status.archive.brokenSegments} (their messages count as not archived: see "bonnie verify --segments")`],
    ['archive.collect_pending', String(status.archive.collectPending)],
    ['archive.collect_unrecoverable', String(status.archive.collectUnrecoverable)],
    ['snapshots.folders', snapshots],
    ['gaps.open', String(status.gaps.open)],
    ['gaps.reconciled', `${status.gaps.reconciled} (re-read and archived by the collector: settled)`],
    ['gaps.unscanned', String(status.gaps.unscanned)],
    ['gaps.reconcile_pending', String(status.gaps.reconcilePending)],
    ['gaps.reconcile_failed', `${status.gaps.reconcileFailed} (retried), ${status.gaps.reconcileDead} dead`],
    ['retention.rules', String(status.retention.rules)],
    ['retention.holds', `${status.retention.activeHolds} active`],
    [
      'retention.last_plan',
      status.retention.lastPlan === null
        ? '- (bonnie prune --dry-run makes one)'
        : `${status.retention.lastPlan.id} at ${status.retention.lastPlan.at}: ${status.retention.lastPlan.expired} expired (${formatBytes(status.retention.lastPlan.expiredBytes)}), ${status.retention.lastPlan.held} held (${formatBytes(status.retention.lastPlan.heldBytes)}), ${status.retention.lastPlan.expiringSoon} expiring within 30 days (${formatBytes(status.retention.lastPlan.expiringSoonBytes)})`,
    ],
    ['retention.pruned', `${status.retention.pruned.messages} message(s), ${formatBytes(status.retention.pruned.originalBytes)} as received (${formatBytes(status.retention.pruned.storedBytes)} stored), each with a tombstone`],
    ['catalog.path', catalog.path],
    ['catalog.size', formatBytes(catalog.sizeBytes)],
    ['catalog.schema', `${catalog.schemaVersion} (this bonnie: ${catalog.latestSchemaVersion})`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  if (queue.problems.length > 0) {
    lines.push('', 'Jobs that failed (most recent first):');
    for (const p of queue.problems) {
      const when = p.state === 'dead' ? 'dead' : `failed, retried after ${p.retryAt}`;
      lines.push(`  notification ${p.notificationId} (${p.eventType}): ${when}, ${p.attempts} attempt(s): ${p.lastError ?? 'no error recorded'}`);
    }
  }
  if (status.health.reasons.length > 0) {
    lines.push('', 'Needs attention:');
    for (const r of status.health.reasons) lines.push(`  ${r.level.padEnd(8)}  ${r.code}: ${r.message}`, `            ${r.hint}`);
  }
  return lines.join('\n');
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86400)}d${String(Math.floor((seconds % 86400) / 3600)).padStart(2, '0')}h`;
}
