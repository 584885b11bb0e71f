/** Human output of `bonnie retention`, `bonnie hold` and `bonnie prune --dry-run`; --json prints the objects. */
import {formatBytes} from '../../base/config/bytes.js';
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import {formatPeriod} from './period.js';
import type {Hold, RetentionRule} from './policy.js';

export function renderRules(rules: readonly RetentionRule[]): string {
  if (rules.length === 0) return 'No retention rule: every archived message is kept.';
  return rules
    .map((r) => {
      const scope = `${r.users === undefined ? 'every user' : `users ${r.users.join(', ')}`}${r.groups === undefined ? '' : `, groups ${r.groups.join(', ')}`}, ${r.folders === undefined ? 'every folder' : `folders ${r.folders.join(', ')}`}${r.query === undefined ? '' : `, matching ${r.query}`}`;
      const removed = r.removedAt === null ? '' : `  (removed ${isoTime(r.removedAt)} by ${r.removedBy ?? '?'})`;
      return `${r.name}: ${r.action} ${formatPeriod(r.periodMs)} from ${r.basis === 'date' ? "the message's date" : 'when it left its last folder'}; ${scope}; added ${isoTime(r.createdAt)} by ${r.createdBy}${removed}`;
    })
    .join('\n');
}

export function renderHolds(holds: readonly Hold[]): string {
  if (holds.length === 0) return 'No legal hold.';
  return holds
    .map((h) => {
      const range = h.since === undefined && h.until === undefined ? 'any date' : `dated ${h.since === undefined ? '...' : isoTime(h.since)} to ${h.until === undefined ? '...' : isoTime(h.until)}`;
      const released = h.releasedAt === null ? 'ACTIVE' : `released ${isoTimeOrNull(h.releasedAt)} by ${h.releasedBy ?? '?'}: ${h.releaseReason ?? ''}`;
      return `${h.caseId}: ${released}; ${h.users === undefined ? 'every user' : `users ${h.users.join(', ')}`}${h.groups === undefined ? '' : `, groups ${h.groups.join(', ')}`}, ${range}${h.query === undefined ? '' : `, matching ${h.query}`}; placed ${isoTime(h.placedAt)} by ${h.placedBy}: ${h.reason}`;
    })
    .join('\n');
}

/** The dry run's plan, as `bonnie prune --dry-run` prints it. */
export function renderPlan(plan: {id: string; messages: number; kept: number; expired: number; expiredBytes: number; held: number; heldBytes: number; rules: Array<{rule: string; action: string; messages: number; expired: number; expiredBytes: number; held: number; expiringSoon: number; expiringSoonBytes: number}>; holds: Array<{caseId: string; messages: number; bytes: number}>}): string {
  const out = [
    `Plan ${plan.id}: of ${plan.messages} archived message(s), ${plan.expired} expired (${formatBytes(plan.expiredBytes)} as received) would be pruned; ${plan.held} expired but held (${formatBytes(plan.heldBytes)}); ${plan.kept} kept by no rule or a keep rule.`,
  ];
  for (const r of plan.rules) {
    out.push(`  rule ${r.rule} (${r.action}): decides ${r.messages}; expired ${r.expired} (${formatBytes(r.expiredBytes)}), held ${r.held}; expiring within 30 days ${r.expiringSoon} (${formatBytes(r.expiringSoonBytes)})`);
  }
  for (const h of plan.holds) out.push(`  hold ${h.caseId}: keeps ${h.messages} message(s), ${formatBytes(h.bytes)}`);
  out.push(`Nothing was deleted: this is a dry run. To delete what it found: bonnie prune --plan ${plan.id}`);
  return out.join('\n');
}

/** What `bonnie prune --plan` did, as it prints it. */
export function renderPruned(r: {
  planId: string;
  pruned: number;
  prunedBytes: number;
  prunedStoredBytes: number;
  segmentsRepacked: number;
  segmentsWritten: number;
  freedBytes: number;
  searchEntries: number;
  links: number;
  rules: Array<{rule: string; messages: number; bytes: number}>;
  skipped: {held: number; notExpired: number; gone: number; segmentNotClosed: number};
  recovered: {orphanSegments: number; retiredSegments: number};
}): string {
  const out = [
    `Plan ${r.planId}: pruned ${r.pruned} message(s), ${formatBytes(r.prunedBytes)} as received (${formatBytes(r.prunedStoredBytes)} stored); ${r.segmentsRepacked} segment(s) repacked into ${r.segmentsWritten}, ${formatBytes(r.freedBytes)} freed.`,
  ];
  for (const rule of r.rules) out.push(`  rule ${rule.rule}: ${rule.messages} message(s), ${formatBytes(rule.bytes)}`);
  out.push(`  ${r.searchEntries} search entr${r.searchEntries === 1 ? 'y' : 'ies'} removed; ${r.links} archived place(s) now name their message as pruned; a tombstone per message.`);
  const skipped: string[] = [];
  if (r.skipped.held > 0) skipped.push(`${r.skipped.held} held by a legal hold now`);
  if (r.skipped.notExpired > 0) skipped.push(`${r.skipped.notExpired} no longer expired (a longer or keep rule, or a new place)`);
  if (r.skipped.gone > 0) skipped.push(`${r.skipped.gone} already gone from the archive`);
  if (r.skipped.segmentNotClosed > 0) skipped.push(`${r.skipped.segmentNotClosed} in a segment not closed (a writer's; run again later)`);
  if (skipped.length > 0) out.push(`  Skipped: ${skipped.join('; ')}.`);
  if (r.recovered.orphanSegments + r.recovered.retiredSegments > 0) {
    out.push(`  Removed what an interrupted prune left: ${r.recovered.orphanSegments} unfinished new segment(s), ${r.recovered.retiredSegments} old segment file(s).`);
  }
  return out.join('\n');
}
