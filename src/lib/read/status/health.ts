/**
 * `bonnie status`'s health: ok, warning or critical, with one reason per problem. The mapping is a
 * documented contract (bonnie-status(1)); reason codes are stable names monitoring may match.
 *
 * Warning (something needs attention; nothing is lost yet):
 *   GapsOpen (a reconciled gap is settled: not counted), QuarantineNeedsReview, JobsFailed (waiting for a retry), SpillWaiting, JournalWaiting (capture
 *   journal files whose daemon is gone), Backlog (a job has been pending longer than the threshold, since it was received or re-queued).
 * Critical (something is broken or was given up):
 *   JobsDead, SegmentsBroken, ReconcileFailed, ReconcileDead and CollectUnrecoverable (those two given up
 *   within the recent window), and, from the command, CatalogUnreadable.
 */
export type HealthLevel = 'ok' | 'warning' | 'critical';

export interface HealthReason {
  level: Exclude<HealthLevel, 'ok'>;
  /** Stable name (PascalCase). */
  code: string;
  /** How many things are concerned (jobs, deliveries, files, seconds for Backlog). */
  count: number;
  message: string;
  /** What to do. */
  hint: string;
}

export interface Health {
  level: HealthLevel;
  /** Critical reasons first. */
  reasons: HealthReason[];
}

/** The figures health is judged on (a subset of `Status`). */
export interface HealthInput {
  queue: {failed: number; dead: number; quarantineNeedingReview: number; oldestPendingWaitSeconds: number | null};
  spill: {files: number};
  journal: {waitingFiles: number; pendingBytes: number};
  archive: {brokenSegments: number; collectUnrecoverableRecent: number};
  gaps: {open: number; reconcileFailed: number; reconcileDeadRecent: number};
}

export interface HealthThresholds {
  /** Backlog warning when a job has been pending longer than this, seconds. */
  pendingAgeSeconds: number;
  /** Jobs given up (reconcile dead, collect unrecoverable) are critical this long after, hours. */
  recentHours: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = {pendingAgeSeconds: 60 * 60, recentHours: 24};

export function assessHealth(s: HealthInput, t: HealthThresholds = DEFAULT_THRESHOLDS): Health {
  const reasons: HealthReason[] = [];
  const add = (level: HealthReason['level'], code: string, count: number, message: string, hint: string) => {
    if (count > 0) reasons.push({level, code, count, message, hint});
  };
  add('critical', 'JobsDead', s.queue.dead, `${s.queue.dead} dead job(s): events given up, missing from the record`, 'See "bonnie queue list --state dead"; once the cause is fixed, "bonnie queue retry --all-dead".');
  add('critical', 'SegmentsBroken', s.archive.brokenSegments, `${s.archive.brokenSegments} broken segment(s): their messages count as not archived`, 'See "bonnie verify --segments"; "bonnie archive" stores again what Cyrus still holds.');
  add('critical', 'ReconcileFailed', s.gaps.reconcileFailed, `${s.gaps.reconcileFailed} reconcile job(s) failed: folders with holes in the record could not be re-read`, 'See the collector\'s log; check IMAP access (imap_url, imap_tls).');
  add('critical', 'ReconcileDead', s.gaps.reconcileDeadRecent, `${s.gaps.reconcileDeadRecent} reconcile job(s) given up in the last ${t.recentHours}h`, 'See the reconcile_job table (last_error) and the collector\'s log.');
  add('critical', 'CollectUnrecoverable', s.archive.collectUnrecoverableRecent, `${s.archive.collectUnrecoverableRecent} message(s) the collector could not get in the last ${t.recentHours}h: not archived`, 'See the collect_job table (last_error) and the collector\'s log.');
  add('warning', 'JobsFailed', s.queue.failed, `${s.queue.failed} job(s) failed and wait for a retry`, 'See "bonnie queue list --state failed"; "bonnie process" retries them.');
  add('warning', 'QuarantineNeedsReview', s.queue.quarantineNeedingReview, `${s.queue.quarantineNeedingReview} quarantined delivery(ies) not reviewed`, 'See "bonnie quarantine list", then "bonnie quarantine requeue" or "bonnie quarantine ack".');
  add('warning', 'GapsOpen', s.gaps.open, `${s.gaps.open} open gap(s): events Cyrus never delivered`, 'See "bonnie gaps"; "bonnie collector" re-reads those folders.');
  add('warning', 'SpillWaiting', s.spill.files, `${s.spill.files} spill file(s) wait to be drained`, 'Run "bonnie dealer --drain-spill" (as the catalog\'s owner).');
  add('warning', 'JournalWaiting', s.journal.waitingFiles, `${s.journal.waitingFiles} capture journal file(s) left by a daemon that is gone (${s.journal.pendingBytes} byte(s) not queued)`, 'Start "bonnie dealer --listen" again, or run "bonnie dealer --drain-spill".');
  const age = s.queue.oldestPendingWaitSeconds ?? 0;
  if (age > t.pendingAgeSeconds) add('warning', 'Backlog', age, `a pending job has waited ${age}s (over ${t.pendingAgeSeconds}s)`, 'Is "bonnie process" running (its timer or cron)? See its log.');
  const level: HealthLevel = reasons.some((r) => r.level === 'critical') ? 'critical' : reasons.length > 0 ? 'warning' : 'ok';
  return {level, reasons};
}
