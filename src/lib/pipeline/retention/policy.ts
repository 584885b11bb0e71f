/**
 * Retention rules and legal holds, and the hash-chained log of every change to them (schema.ts). The one
 * module that names retention_rule, legal_hold, policy_log, prune_plan (with prune_plan_blob and
 * prune_approval) and prune_tombstone. A change and its log entry are
 * written in one transaction. Nothing here deletes mail: only `bonnie prune` will, after a dry run's plan.
 *
 * The log: entry n is the JSON of what changed (`{"op": "hold", ...}`) and hash(n) = SHA-256(hash(n-1) ||
 * `<seq>\n<at>\n<actor>\n<entry>`), hash(0) = 32 zero bytes, as the notifications' chain (process/chain.ts).
 */
import {createHash} from 'node:crypto';
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';

/** What a rule applies to and does. `users`/`folders` undefined: every user, every folder. */
export interface RetentionRuleSpec {
  name: string;
  users?: string[];
  /** Folder name patterns as the owner sees them (`INBOX`, `Sent`, `Archive.*`); `*` matches anything. */
  folders?: string[];
  periodMs: number;
  /** From the message's date, or from when it left its last folder (expunged, moved away, deleted). */
  basis: 'date' | 'left';
  action: 'keep' | 'delete';
  /** A search query (bonnie search's language): the rule applies only to the places it matches. */
  query?: string;
  /** Directory groups: the rule applies only to folders whose owner is in one (the record's newest groups). */
  groups?: string[];
}

export interface RetentionRule extends RetentionRuleSpec {
  id: number;
  createdAt: number;
  createdBy: string;
  removedAt: number | null;
  removedBy: string | null;
}

/** A legal hold's scope: `users` undefined is everyone; `since`/`until` bound the messages' dates (ms, inclusive). */
export interface HoldSpec {
  caseId: string;
  users?: string[];
  since?: number;
  until?: number;
  /** A search query: the hold keeps only messages it matches in some place. */
  query?: string;
  /** Directory groups: the hold keeps only messages an owner of some place of which is in one. */
  groups?: string[];
  reason: string;
}

export interface Hold extends HoldSpec {
  id: number;
  placedAt: number;
  placedBy: string;
  releasedAt: number | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

/** A dry run's plan as kept: what it found, and each message it would remove with its rule (hex -> rule). */
export interface SavedPlan {
  id: string;
  createdAt: number;
  createdBy: string;
  summary: unknown;
  blobs: Map<string, string>;
}

/** The record that a message (blob) was pruned: immutable. */
export interface Tombstone {
  sha256: Buffer;
  /** Bytes as received, and as stored (the zstd frame). */
  originalLength: number;
  storedLength: number;
  rule: string;
  planId: string;
  prunedAt: number;
  prunedBy: string;
}

/** The result of checking the log's chain. */
export interface PolicyLogReport {
  checked: number;
  /** The first entry whose hash does not follow, if any. */
  firstBreak: number | null;
}

const GENESIS = Buffer.alloc(32);

type RuleRow = {id: number; name: string; users: string | null; folders: string | null; period_ms: number; basis: 'date' | 'left'; action: 'keep' | 'delete'; created_at: number; created_by: string; removed_at: number | null; removed_by: string | null; query?: string | null; groups?: string | null};
type TombstoneRow = {sha256: Buffer; original_length: number; stored_length: number; rule: string; plan_id: string; pruned_at: number; pruned_by: string};
type HoldRow = {id: number; case_id: string; users: string | null; since: number | null; until: number | null; reason: string; placed_at: number; placed_by: string; released_at: number | null; released_by: string | null; release_reason: string | null; query?: string | null; groups?: string | null};

export class Policy {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      rules: db.prepare<[number], RuleRow>('SELECT * FROM retention_rule WHERE (? = 1 OR removed_at IS NULL) ORDER BY name'),
      ruleByName: db.prepare<[string], RuleRow>('SELECT * FROM retention_rule WHERE name = ?'),
      removeRule: db.prepare<[number, string, string]>('UPDATE retention_rule SET removed_at = ?, removed_by = ? WHERE name = ? AND removed_at IS NULL'),
      holds: db.prepare<[number], HoldRow>('SELECT * FROM legal_hold WHERE (? = 1 OR released_at IS NULL) ORDER BY placed_at, id'),
      holdByCase: db.prepare<[string], HoldRow>('SELECT * FROM legal_hold WHERE case_id = ?'),
      release: db.prepare<[number, string, string, string]>('UPDATE legal_hold SET released_at = ?, released_by = ?, release_reason = ? WHERE case_id = ? AND released_at IS NULL'),
      lastLog: db.prepare<[], {seq: number; hash: Buffer}>('SELECT seq, hash FROM policy_log ORDER BY seq DESC LIMIT 1'),
      appendLog: db.prepare<[number, number, string, string, Buffer]>('INSERT INTO policy_log (seq, at, actor, entry, hash) VALUES (?, ?, ?, ?, ?)'),
      logPage: db.prepare<[number, number], {seq: number; at: number; actor: string; entry: string; hash: Buffer}>('SELECT seq, at, actor, entry, hash FROM policy_log WHERE seq > ? ORDER BY seq LIMIT ?'),
      counts: db.prepare<[], {rules: number; holds: number}>(
        'SELECT (SELECT count(*) FROM retention_rule WHERE removed_at IS NULL) AS rules, (SELECT count(*) FROM legal_hold WHERE released_at IS NULL) AS holds',
      ),
      lastPlan: db.prepare<[], {id: string; created_at: number; summary: string}>('SELECT id, created_at, summary FROM prune_plan ORDER BY created_at DESC, rowid DESC LIMIT 1'),
      savePlan: db.prepare<[string, number, string, string]>('INSERT OR IGNORE INTO prune_plan (id, created_at, created_by, summary) VALUES (?, ?, ?, ?)'),
    };
  }

  /** Inserts naming migration 18's and 21's columns, prepared on first use: an older read-only catalog has none. */
  private get adds() {
    this.preparedAdds ??= this.prepareAdds();
    return this.preparedAdds;
  }

  private preparedAdds: ReturnType<Policy['prepareAdds']> | undefined;

  private prepareAdds() {
    return {
      addRule: this.db.prepare<[string, string | null, string | null, number, string, string, number, string, string | null, string | null]>(
        'INSERT INTO retention_rule (name, users, folders, period_ms, basis, action, created_at, created_by, query, groups) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      addHold: this.db.prepare<[string, string | null, number | null, number | null, string, number, string, string | null, string | null]>(
        'INSERT INTO legal_hold (case_id, users, since, until, reason, placed_at, placed_by, query, groups) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  /** Statements on migration 17's tables, prepared on first use: a read-only catalog of 16 has none. */
  private get v17() {
    this.prepared17 ??= this.prepare17();
    return this.prepared17;
  }

  private prepared17: ReturnType<Policy['prepare17']> | undefined;

  private prepare17() {
    const db = this.db;
    return {
      savePlanBlob: db.prepare<[string, Buffer, string]>('INSERT OR IGNORE INTO prune_plan_blob (plan_id, sha256, rule) VALUES (?, ?, ?)'),
      plan: db.prepare<[string], {id: string; created_at: number; created_by: string; summary: string}>('SELECT id, created_at, created_by, summary FROM prune_plan WHERE id = ?'),
      planBlobs: db.prepare<[string], {sha256: Buffer; rule: string}>('SELECT sha256, rule FROM prune_plan_blob WHERE plan_id = ?'),
      lastPolicyChange: db.prepare<[], {at: number | null}>(
        "SELECT max(at) AS at FROM policy_log WHERE json_extract(entry, '$.op') IN ('retention-add', 'retention-remove', 'hold', 'release')",
      ),
      addTombstone: db.prepare<[Buffer, number, number, string, string, number, string]>(
        'INSERT INTO prune_tombstone (sha256, original_length, stored_length, rule, plan_id, pruned_at, pruned_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      tombstone: db.prepare<[Buffer], TombstoneRow>('SELECT sha256, original_length, stored_length, rule, plan_id, pruned_at, pruned_by FROM prune_tombstone WHERE sha256 = ? ORDER BY id DESC LIMIT 1'),
      tombstoneCounts: db.prepare<[], {n: number; original: number; stored: number}>(
        'SELECT count(*) AS n, coalesce(sum(original_length), 0) AS original, coalesce(sum(stored_length), 0) AS stored FROM prune_tombstone',
      ),
      approve: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO prune_approval (plan_id, approved_by, approved_at) VALUES (?, ?, ?)'),
      approvals: db.prepare<[string], {approved_by: string; approved_at: number}>('SELECT approved_by, approved_at FROM prune_approval WHERE plan_id = ? ORDER BY approved_at, approved_by'),
    };
  }

  /** True when the catalog has the tables of migration 17 (plans' messages, tombstones, approvals). */
  hasPruneTables(): boolean {
    return this.db.prepare<[], {n: number}>("SELECT 1 AS n FROM sqlite_master WHERE type = 'table' AND name = 'prune_tombstone'").get() !== undefined;
  }

  /** Active rules (with `all`, removed ones too), by name. */
  rules(options: {all?: boolean} = {}): RetentionRule[] {
    return this.s.rules.all(options.all === true ? 1 : 0).map(toRule);
  }

  /** Active holds (with `all`, released ones too), oldest first. */
  holds(options: {all?: boolean} = {}): Hold[] {
    return this.s.holds.all(options.all === true ? 1 : 0).map(toHold);
  }

  /** Adds a rule. Throws BonnieError RetentionRuleExists when a rule (even a removed one) has the name. */
  addRule(spec: RetentionRuleSpec, actor: string, now: number): RetentionRule {
    return this.db.transaction(() => {
      if (this.s.ruleByName.get(spec.name) !== undefined) {
        throw new BonnieError('RetentionRuleExists', `a retention rule named "${spec.name}" exists (or existed: names are never reused, so the log stays unambiguous)`, {
          hint: 'Choose another name; "bonnie retention list --all" shows every name used.',
        });
      }
      this.adds.addRule.run(spec.name, json(spec.users), json(spec.folders), spec.periodMs, spec.basis, spec.action, now, actor, spec.query ?? null, json(spec.groups));
      this.log(now, actor, {op: 'retention-add', ...spec});
      return toRule(this.s.ruleByName.get(spec.name) as RuleRow);
    })();
  }

  /** Removes an active rule (it stays, marked removed). Throws BonnieError RetentionRuleUnknown. */
  removeRule(name: string, actor: string, now: number): RetentionRule {
    return this.db.transaction(() => {
      if (this.s.removeRule.run(now, actor, name).changes !== 1) {
        throw new BonnieError('RetentionRuleUnknown', `no active retention rule named "${name}"`, {hint: 'See "bonnie retention list".'});
      }
      this.log(now, actor, {op: 'retention-remove', name});
      return toRule(this.s.ruleByName.get(name) as RuleRow);
    })();
  }

  /** Places a hold. Throws BonnieError HoldExists when the case id has one (active or released). */
  addHold(spec: HoldSpec, actor: string, now: number): Hold {
    return this.db.transaction(() => {
      if (this.s.holdByCase.get(spec.caseId) !== undefined) {
        throw new BonnieError('HoldExists', `case "${spec.caseId}" has a legal hold (active or released)`, {hint: 'See "bonnie hold list --all"; a released hold is not placed again: use a new case id.'});
      }
      this.adds.addHold.run(spec.caseId, json(spec.users), spec.since ?? null, spec.until ?? null, spec.reason, now, actor, spec.query ?? null, json(spec.groups));
      this.log(now, actor, {op: 'hold', ...spec});
      return toHold(this.s.holdByCase.get(spec.caseId) as HoldRow);
    })();
  }

  /** Releases an active hold. Throws BonnieError HoldUnknown. */
  releaseHold(caseId: string, reason: string, actor: string, now: number): Hold {
    return this.db.transaction(() => {
      if (this.s.release.run(now, actor, reason, caseId).changes !== 1) {
        throw new BonnieError('HoldUnknown', `no active legal hold for case "${caseId}"`, {hint: 'See "bonnie hold list".'});
      }
      this.log(now, actor, {op: 'release', caseId, reason});
      return toHold(this.s.holdByCase.get(caseId) as HoldRow);
    })();
  }

  /** Rules in force and active holds. */
  counts(): {rules: number; activeHolds: number} {
    const row = this.s.counts.get() as {rules: number; holds: number};
    return {rules: row.rules, activeHolds: row.holds};
  }

  /** The latest dry run's plan: its id, when, and what it found (as `bonnie prune --dry-run --json` printed it). */
  lastPlan(): {id: string; createdAt: number; summary: unknown} | undefined {
    const row = this.s.lastPlan.get();
    return row === undefined ? undefined : {id: row.id, createdAt: row.created_at, summary: JSON.parse(row.summary) as unknown};
  }

  /** Keeps a dry run's plan under its id, with the messages it would remove and their rules (the same plan twice keeps the first). */
  savePlan(id: string, summary: unknown, actor: string, now: number, blobs: ReadonlyArray<{sha256: Buffer; rule: string}> = []): void {
    this.db.transaction(() => {
      this.s.savePlan.run(id, now, actor, JSON.stringify(summary));
      for (const b of blobs) this.v17.savePlanBlob.run(id, b.sha256, b.rule);
    })();
  }

  /** A kept plan with its messages, or undefined. */
  plan(id: string): SavedPlan | undefined {
    const row = this.v17.plan.get(id);
    if (row === undefined) return undefined;
    const blobs = new Map(this.v17.planBlobs.all(id).map((b) => [b.sha256.toString('hex'), b.rule]));
    return {id: row.id, createdAt: row.created_at, createdBy: row.created_by, summary: JSON.parse(row.summary) as unknown, blobs};
  }

  /** When a rule or a hold last changed (added, removed, placed, released), or null: a plan older than that is stale. */
  lastPolicyChange(): number | null {
    return this.v17.lastPolicyChange.get()?.at ?? null;
  }

  /**
   * Records a prune: one immutable tombstone per message removed, and one log entry (`{"op": "prune",
   * ...}`) in the hash chain. Call in the prune's transaction.
   */
  recordPrune(tombstones: readonly Tombstone[], entry: object, actor: string, now: number): void {
    this.db.transaction(() => {
      for (const t of tombstones) this.v17.addTombstone.run(t.sha256, t.originalLength, t.storedLength, t.rule, t.planId, t.prunedAt, t.prunedBy);
      this.log(now, actor, {op: 'prune', ...entry});
    })();
  }

  /** The latest tombstone of a message (blob), or undefined when it was never pruned. */
  tombstone(sha256: Buffer): Tombstone | undefined {
    const row = this.v17.tombstone.get(sha256);
    return row === undefined ? undefined : toTombstone(row);
  }

  /** Messages pruned so far, and their bytes as received and as they were stored. */
  tombstoneCounts(): {messages: number; originalBytes: number; storedBytes: number} {
    const row = this.v17.tombstoneCounts.get();
    return {messages: row?.n ?? 0, originalBytes: row?.original ?? 0, storedBytes: row?.stored ?? 0};
  }

  /** Signs a plan off (`prune_approvers`), logged in the chain; approving twice is one approval. Returns the plan's approvers. */
  approve(planId: string, actor: string, now: number): Array<{by: string; at: number}> {
    return this.db.transaction(() => {
      if (this.v17.approve.run(planId, actor, now).changes === 1) this.log(now, actor, {op: 'prune-approve', planId});
      return this.approvals(planId);
    })();
  }

  /** Who signed a plan off, and when. */
  approvals(planId: string): Array<{by: string; at: number}> {
    return this.v17.approvals.all(planId).map((r) => ({by: r.approved_by, at: r.approved_at}));
  }

  /** Recomputes the log's chain; the first entry that does not follow is reported. Read-only. */
  verifyLog(): PolicyLogReport {
    let previous: Buffer = GENESIS;
    let checked = 0;
    for (let page = this.s.logPage.all(0, 1000); page.length > 0; page = this.s.logPage.all(checked, 1000)) {
      for (const row of page) {
        if (row.seq !== checked + 1) return {checked, firstBreak: checked + 1};
        previous = link(previous, row.seq, row.at, row.actor, row.entry);
        if (!previous.equals(row.hash)) return {checked, firstBreak: row.seq};
        checked++;
      }
    }
    return {checked, firstBreak: null};
  }

  private log(at: number, actor: string, entry: object): void {
    const last = this.s.lastLog.get();
    const seq = (last?.seq ?? 0) + 1;
    const text = JSON.stringify(entry);
    this.s.appendLog.run(seq, at, actor, text, link(last?.hash ?? GENESIS, seq, at, actor, text));
  }
}

function link(previous: Buffer, seq: number, at: number, actor: string, entry: string): Buffer {
  return createHash('sha256').update(previous).update(`${seq}\n${at}\n${actor}\n${entry}`).digest();
}

function json(list: readonly string[] | undefined): string | null {
  return list === undefined || list.length === 0 ? null : JSON.stringify(list);
}

function list(text: string | null): string[] | undefined {
  return text === null ? undefined : (JSON.parse(text) as string[]);
}

function toRule(r: RuleRow): RetentionRule {
  return {
    id: r.id,
    name: r.name,
    users: list(r.users),
    folders: list(r.folders),
    ...(typeof r.query === 'string' ? {query: r.query} : {}),
    ...(typeof r.groups === 'string' ? {groups: list(r.groups)} : {}),
    periodMs: r.period_ms,
    basis: r.basis,
    action: r.action,
    createdAt: r.created_at,
    createdBy: r.created_by,
    removedAt: r.removed_at,
    removedBy: r.removed_by,
  };
}

function toTombstone(t: TombstoneRow): Tombstone {
  return {sha256: t.sha256, originalLength: t.original_length, storedLength: t.stored_length, rule: t.rule, planId: t.plan_id, prunedAt: t.pruned_at, prunedBy: t.pruned_by};
}

function toHold(h: HoldRow): Hold {
  return {
    id: h.id,
    caseId: h.case_id,
    users: list(h.users),
    since: h.since ?? undefined,
    until: h.until ?? undefined,
    ...(typeof h.query === 'string' ? {query: h.query} : {}),
    ...(typeof h.groups === 'string' ? {groups: list(h.groups)} : {}),
    reason: h.reason,
    placedAt: h.placed_at,
    placedBy: h.placed_by,
    releasedAt: h.released_at,
    releasedBy: h.released_by,
    releaseReason: h.release_reason,
  };
}
