/** Human output of `bonnie retention`, `bonnie hold` and `bonnie prune --dry-run`; --json prints the objects. */
import {formatBytes} from '../../base/config/bytes.js';
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import {formatPeriod} from './period.js';
import type {Hold, RetentionRule} from './policy.js';

export function renderRules(rules: readonly RetentionRule[]): string {
  if (rules.length === 0) return 'No retention rule: every archived message is kept.';
  return rules
    .map((r) => {
      const scope = `${r.users === undefined ? 'every user' : `users ${r.users.join(', ')}`}, ${r.folders === undefined ? 'every folder' : `folders ${r.folders.join(', ')}`}`;
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
      return `${h.caseId}: ${released}; ${h.users === undefined ? 'every user' : `users ${h.users.join(', ')}`}, ${range}; placed ${isoTime(h.placedAt)} by ${h.placedBy}: ${h.reason}`;
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
  out.push('Nothing was deleted: this is a dry run. Deletion (bonnie prune --plan ID) comes with the repacking of segments.');
  return out.join('\n');
}
