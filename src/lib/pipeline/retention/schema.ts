/**
 * Retention and legal holds (migration 16, issue 17): what the law says must be kept, and for how long.
 * Times are ms since the epoch; periods are ms.
 *
 * - retention_rule: a scope (every user, or some; directory groups, migration 21; every folder, or some by
 *   name pattern; a search query, migration 18), a period counted
 *   from the message's date or from when it left its last folder, and what happens at its end (keep or
 *   delete). A removed rule stays, marked removed (who, when): the log must be able to name it.
 * - legal_hold: a case id, a scope (users; groups, migration 21; a range of message dates; a search query,
 *   migration 18), who placed
 *   it and why; released, never
 *   deleted.
 * - policy_log: every change to either, in a hash chain of its own (hash(n) = SHA-256(hash(n-1) || entry))
 *   that `bonnie verify --events` checks with the notifications' chain: removing or editing an entry breaks it.
 * - prune_plan: what a `bonnie prune --dry-run` found (its id is what `bonnie prune --plan` will confirm).
 *
 * Migration 17 (the deleting half):
 * - prune_plan_blob: the messages (blobs) a plan would remove, each with the rule that let it go: what
 *   `bonnie prune --plan` re-checks against the rules and holds in force when it runs.
 * - prune_tombstone: one row per pruned message (blob): its hash, its size as received and as stored, the
 *   rule, the plan, when and who. Immutable (triggers refuse UPDATE and DELETE): the record's proof that
 *   the message existed and why it is gone.
 * - prune_approval: who signed a plan off (`prune_approvers: 2`), besides the policy_log entry.
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const RETENTION_SCHEMA_V16 = `
CREATE TABLE retention_rule (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  users       TEXT,
  folders     TEXT,
  period_ms   INTEGER NOT NULL CHECK (period_ms > 0),
  basis       TEXT    NOT NULL CHECK (basis IN ('date', 'left')),
  action      TEXT    NOT NULL CHECK (action IN ('keep', 'delete')),
  created_at  INTEGER NOT NULL,
  created_by  TEXT    NOT NULL,
  removed_at  INTEGER,
  removed_by  TEXT
) STRICT;

CREATE TABLE legal_hold (
  id             INTEGER PRIMARY KEY,
  case_id        TEXT    NOT NULL UNIQUE,
  users          TEXT,
  since          INTEGER,
  until          INTEGER,
  reason         TEXT    NOT NULL,
  placed_at      INTEGER NOT NULL,
  placed_by      TEXT    NOT NULL,
  released_at    INTEGER,
  released_by    TEXT,
  release_reason TEXT
) STRICT;

CREATE TABLE policy_log (
  seq    INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  actor  TEXT    NOT NULL,
  entry  TEXT    NOT NULL,
  hash   BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;

CREATE TABLE prune_plan (
  id          TEXT    PRIMARY KEY,
  created_at  INTEGER NOT NULL,
  created_by  TEXT    NOT NULL,
  summary     TEXT    NOT NULL
) STRICT;
`;

export const RETENTION_SCHEMA_V17 = `
CREATE TABLE prune_plan_blob (
  plan_id TEXT NOT NULL REFERENCES prune_plan (id),
  sha256  BLOB NOT NULL CHECK (length(sha256) = 32),
  rule    TEXT NOT NULL,
  PRIMARY KEY (plan_id, sha256)
) STRICT, WITHOUT ROWID;

CREATE TABLE prune_tombstone (
  id              INTEGER PRIMARY KEY,
  sha256          BLOB    NOT NULL CHECK (length(sha256) = 32),
  original_length INTEGER NOT NULL,
  stored_length   INTEGER NOT NULL,
  rule            TEXT    NOT NULL,
  plan_id         TEXT    NOT NULL,
  pruned_at       INTEGER NOT NULL,
  pruned_by       TEXT    NOT NULL
) STRICT;

CREATE INDEX prune_tombstone_by_blob ON prune_tombstone (sha256);

CREATE TRIGGER prune_tombstone_no_update BEFORE UPDATE ON prune_tombstone BEGIN SELECT RAISE(ABORT, 'prune tombstones are immutable'); END;
CREATE TRIGGER prune_tombstone_no_delete BEFORE DELETE ON prune_tombstone BEGIN SELECT RAISE(ABORT, 'prune tombstones are immutable'); END;

CREATE TABLE prune_approval (
  plan_id     TEXT    NOT NULL REFERENCES prune_plan (id),
  approved_by TEXT    NOT NULL,
  approved_at INTEGER NOT NULL,
  PRIMARY KEY (plan_id, approved_by)
) STRICT, WITHOUT ROWID;
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
/** A search query (bonnie search's language) narrowing a rule's or a hold's scope; NULL: no query. */
export const RETENTION_SCHEMA_V18 = `
ALTER TABLE retention_rule ADD COLUMN query TEXT;
ALTER TABLE legal_hold ADD COLUMN query TEXT;
`;

/** Directory groups (JSON array of names) narrowing a rule's or a hold's scope to their members' mail; NULL: any. */
export const RETENTION_SCHEMA_V21 = `
ALTER TABLE retention_rule ADD COLUMN groups TEXT;
ALTER TABLE legal_hold ADD COLUMN groups TEXT;
`;

export const RETENTION_MIGRATIONS: readonly Migration[] = [
  {version: 16, name: 'retention: rules, legal holds, their hash-chained log, prune plans', sql: RETENTION_SCHEMA_V16},
  {version: 17, name: 'retention: the messages of each prune plan, tombstones of pruned messages, approvals', sql: RETENTION_SCHEMA_V17},
  {version: 18, name: 'retention: rules and holds scoped by a search query', sql: RETENTION_SCHEMA_V18},
  {version: 21, name: 'retention: rules and holds scoped by directory groups', sql: RETENTION_SCHEMA_V21},
];
