/**
 * Retention's rows as the archive's segments carry them (archive format 2, migration 22; docs/FORMAT.md):
 * the policy log (`policy/<first seq>-<last seq>.jsonl.zst`, every entry with its chain hash), the prune
 * plans (`prune-plans/`, by rowid, each with its messages) and the tombstones of pruned messages
 * (`tombstones/`, by id). All three are append-only, so what a segment carries is named by the highest id.
 *
 * Rebuild (`bonnie rebuild`): the plans go back first, then the log, entry by entry with its hash, and
 * the rules, holds and approvals are made again FROM the log (each change was logged in the transaction
 * that made it: the log is the rules' and holds' history, and its chain proves it); then the tombstones.
 * The ids come out as the original's: rules and holds were inserted in log order and are never deleted.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {HoldSpec, RetentionRuleSpec} from './policy.js';

/** One `policy` line: a policy_log row. */
export interface PolicyLogLine {
  seq: number;
  at: number;
  actor: string;
  /** The entry's JSON text exactly as hashed. */
  entry: string;
  /** Its chain hash (hex). */
  hash: string;
}

/** One `prune-plans` line: a plan and its messages ([sha256 hex, rule]). */
export interface PrunePlanLine {
  rowid: number;
  id: string;
  createdAt: number;
  createdBy: string;
  /** The dry run's summary, JSON text as kept. */
  summary: string;
  blobs: Array<[string, string]>;
}

/** One `tombstones` line. */
export interface TombstoneLine {
  id: number;
  sha256: string;
  originalLength: number;
  storedLength: number;
  rule: string;
  planId: string;
  prunedAt: number;
  prunedBy: string;
}

/** A carried row: its id (what names the member) and its line. */
export interface CarriedRow<T> {
  id: number;
  line: T;
}

/** Policy log entries after `seq`, at most `limit`. */
export function policyLogAfter(db: Db, after: number, limit: number): Array<CarriedRow<PolicyLogLine>> {
  return db
    .prepare<[number, number], {seq: number; at: number; actor: string; entry: string; hash: Buffer}>('SELECT seq, at, actor, entry, hash FROM policy_log WHERE seq > ? ORDER BY seq LIMIT ?')
    .all(after, limit)
    .map((r) => ({id: r.seq, line: {seq: r.seq, at: r.at, actor: r.actor, entry: r.entry, hash: r.hash.toString('hex')}}));
}

/** Prune plans after `rowid`, at most `limit`, each with its messages. */
export function prunePlansAfter(db: Db, after: number, limit: number): Array<CarriedRow<PrunePlanLine>> {
  const blobs = db.prepare<[string], {sha256: Buffer; rule: string}>('SELECT sha256, rule FROM prune_plan_blob WHERE plan_id = ? ORDER BY sha256');
  return db
    .prepare<[number, number], {rowid: number; id: string; created_at: number; created_by: string; summary: string}>('SELECT rowid, id, created_at, created_by, summary FROM prune_plan WHERE rowid > ? ORDER BY rowid LIMIT ?')
    .all(after, limit)
    .map((r) => ({
      id: r.rowid,
      line: {rowid: r.rowid, id: r.id, createdAt: r.created_at, createdBy: r.created_by, summary: r.summary, blobs: blobs.all(r.id).map((b): [string, string] => [b.sha256.toString('hex'), b.rule])},
    }));
}

/** Tombstones after `id`, at most `limit`. */
export function tombstonesAfter(db: Db, after: number, limit: number): Array<CarriedRow<TombstoneLine>> {
  return db
    .prepare<[number, number], {id: number; sha256: Buffer; original_length: number; stored_length: number; rule: string; plan_id: string; pruned_at: number; pruned_by: string}>(
      'SELECT id, sha256, original_length, stored_length, rule, plan_id, pruned_at, pruned_by FROM prune_tombstone WHERE id > ? ORDER BY id LIMIT ?',
    )
    .all(after, limit)
    .map((r) => ({id: r.id, line: {id: r.id, sha256: r.sha256.toString('hex'), originalLength: r.original_length, storedLength: r.stored_length, rule: r.rule, planId: r.plan_id, prunedAt: r.pruned_at, prunedBy: r.pruned_by}}));
}

/** What {@link restoreRetention} wrote back. */
export interface RetentionRestoreSummary {
  logEntries: number;
  rules: number;
  holds: number;
  plans: number;
  approvals: number;
  tombstones: number;
  /** Approvals of a plan no segment carries (written after the plan's last carrying run): logged, not restored as rows. */
  approvalsWithoutPlan: number;
}

/**
 * Rebuild: writes plans, the log (replayed into rules, holds and approvals) and tombstones back, each list
 * in id order, in one transaction. The log's chain is not checked here: Policy.verifyLog does, after.
 */
export function restoreRetention(db: Db, plans: readonly PrunePlanLine[], log: readonly PolicyLogLine[], tombstones: readonly TombstoneLine[]): RetentionRestoreSummary {
  const summary: RetentionRestoreSummary = {logEntries: 0, rules: 0, holds: 0, plans: 0, approvals: 0, tombstones: 0, approvalsWithoutPlan: 0};
  const s = {
    plan: db.prepare<[number, string, number, string, string]>('INSERT INTO prune_plan (rowid, id, created_at, created_by, summary) VALUES (?, ?, ?, ?, ?)'),
    planBlob: db.prepare<[string, Buffer, string]>('INSERT INTO prune_plan_blob (plan_id, sha256, rule) VALUES (?, ?, ?)'),
    hasPlan: db.prepare<[string], {n: number}>('SELECT 1 AS n FROM prune_plan WHERE id = ?'),
    log: db.prepare<[number, number, string, string, Buffer]>('INSERT INTO policy_log (seq, at, actor, entry, hash) VALUES (?, ?, ?, ?, ?)'),
    rule: db.prepare<[string, string | null, string | null, number, string, string, number, string, string | null, string | null]>(
      'INSERT INTO retention_rule (name, users, folders, period_ms, basis, action, created_at, created_by, query, groups) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    removeRule: db.prepare<[number, string, string]>('UPDATE retention_rule SET removed_at = ?, removed_by = ? WHERE name = ? AND removed_at IS NULL'),
    hold: db.prepare<[string, string | null, number | null, number | null, string, number, string, string | null, string | null]>(
      'INSERT INTO legal_hold (case_id, users, since, until, reason, placed_at, placed_by, query, groups) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    release: db.prepare<[number, string, string, string]>('UPDATE legal_hold SET released_at = ?, released_by = ?, release_reason = ? WHERE case_id = ? AND released_at IS NULL'),
    approve: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO prune_approval (plan_id, approved_by, approved_at) VALUES (?, ?, ?)'),
    tombstone: db.prepare<[number, Buffer, number, number, string, string, number, string]>(
      'INSERT INTO prune_tombstone (id, sha256, original_length, stored_length, rule, plan_id, pruned_at, pruned_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
  };
  db.transaction(() => {
    for (const p of plans) {
      s.plan.run(p.rowid, p.id, p.createdAt, p.createdBy, p.summary);
      for (const [hex, rule] of p.blobs) s.planBlob.run(p.id, Buffer.from(hex, 'hex'), rule);
      summary.plans++;
    }
    for (const l of log) {
      s.log.run(l.seq, l.at, l.actor, l.entry, Buffer.from(l.hash, 'hex'));
      summary.logEntries++;
      const entry = JSON.parse(l.entry) as {op: string} & Record<string, unknown>;
      switch (entry.op) {
        case 'retention-add': {
          const r = entry as unknown as RetentionRuleSpec;
          s.rule.run(r.name, json(r.users), json(r.folders), r.periodMs, r.basis, r.action, l.at, l.actor, r.query ?? null, json(r.groups));
          summary.rules++;
          break;
        }
        case 'retention-remove':
          s.removeRule.run(l.at, l.actor, String(entry['name']));
          break;
        case 'hold': {
          const h = entry as unknown as HoldSpec;
          s.hold.run(h.caseId, json(h.users), h.since ?? null, h.until ?? null, h.reason, l.at, l.actor, h.query ?? null, json(h.groups));
          summary.holds++;
          break;
        }
        case 'release':
          s.release.run(l.at, l.actor, String(entry['reason']), String(entry['caseId']));
          break;
        case 'prune-approve': {
          const planId = String(entry['planId']);
          if (s.hasPlan.get(planId) === undefined) summary.approvalsWithoutPlan++;
          else if (s.approve.run(planId, l.actor, l.at).changes === 1) summary.approvals++;
          break;
        }
        default: // `prune`: its tombstones follow; an op this code does not know changes no state it keeps.
      }
    }
    for (const t of tombstones) {
      s.tombstone.run(t.id, Buffer.from(t.sha256, 'hex'), t.originalLength, t.storedLength, t.rule, t.planId, t.prunedAt, t.prunedBy);
      summary.tombstones++;
    }
  })();
  return summary;
}

/** As policy.ts stores a list: JSON, or NULL when absent or empty. */
function json(list: readonly string[] | undefined): string | null {
  return list === undefined || list.length === 0 ? null : JSON.stringify(list);
}
