/**
 * Data-loss prevention's tables (migration 15). Times are ms since the epoch.
 *
 * - dlp_alert: one alert, immutable once written (triggers refuse UPDATE and DELETE): the evidence of what a
 *   rule saw. `at` is when what it reports happened (the event's time), `raised_at` when bonnie raised it.
 *   `dedup_key` makes raising idempotent: the same rule on the same message, or on the same behaviour
 *   window, is one alert however often the same events are seen (alerts.ts builds the keys).
 *   `summary` holds what the detectors found with MASKED samples only; `message_refs`, `placement_ids`
 *   and `notification_ids` are JSON arrays (where `history`, `restore` and `export` take over).
 * - dlp_alert_ack: acknowledgements, each a row of its own (who, when, note), never a change of the alert;
 *   immutable too.
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const DLP_SCHEMA_V15 = `
CREATE TABLE dlp_alert (
  id               INTEGER PRIMARY KEY,
  dedup_key        TEXT    NOT NULL UNIQUE,
  at               INTEGER NOT NULL,
  raised_at        INTEGER NOT NULL,
  rule             TEXT    NOT NULL,
  severity         TEXT    NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  kind             TEXT    NOT NULL CHECK (kind IN ('content', 'behaviour')),
  behaviour        TEXT,
  direction        TEXT    CHECK (direction IN ('in', 'out')),
  person_id        INTEGER,
  login            TEXT,
  session_id       TEXT,
  client_ip        TEXT,
  mailbox_id       TEXT,
  folder           TEXT,
  message_refs     TEXT    NOT NULL DEFAULT '[]',
  placement_ids    TEXT    NOT NULL DEFAULT '[]',
  count            INTEGER NOT NULL,
  summary          TEXT    NOT NULL,
  notification_ids TEXT    NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX dlp_alert_by_time ON dlp_alert (at);
CREATE INDEX dlp_alert_by_rule ON dlp_alert (rule, login, at);

CREATE TABLE dlp_alert_ack (
  id        INTEGER PRIMARY KEY,
  alert_id  INTEGER NOT NULL REFERENCES dlp_alert (id),
  at        INTEGER NOT NULL,
  by        TEXT    NOT NULL,
  note      TEXT    NOT NULL
) STRICT;
CREATE INDEX dlp_alert_ack_by_alert ON dlp_alert_ack (alert_id, id);

CREATE TRIGGER dlp_alert_no_update BEFORE UPDATE ON dlp_alert BEGIN SELECT RAISE(ABORT, 'a DLP alert is immutable'); END;
CREATE TRIGGER dlp_alert_no_delete BEFORE DELETE ON dlp_alert BEGIN SELECT RAISE(ABORT, 'a DLP alert is immutable'); END;
CREATE TRIGGER dlp_alert_ack_no_update BEFORE UPDATE ON dlp_alert_ack BEGIN SELECT RAISE(ABORT, 'a DLP acknowledgement is immutable'); END;
CREATE TRIGGER dlp_alert_ack_no_delete BEFORE DELETE ON dlp_alert_ack BEGIN SELECT RAISE(ABORT, 'a DLP acknowledgement is immutable'); END;
`;

/**
 * Migration 19: the alerts' evidence chain (alert-chain.ts owns it: one link per alert, hash-chained in id
 * order, append-only) and the mail outbox of alerts (notify.ts owns it). An alert of a rule with the `notify` action
 * gets a row in the transaction that raises it; the mail goes out after that commit, and a failure only
 * moves `next_at` on (the alert itself is never touched, nor lost). Mutable, unlike the alerts: it is a
 * delivery state, not evidence.
 */
export const DLP_SCHEMA_V19 = `
CREATE TABLE dlp_notify (
  alert_id    INTEGER PRIMARY KEY REFERENCES dlp_alert (id),
  state       TEXT    NOT NULL CHECK (state IN ('pending', 'sent')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     INTEGER NOT NULL,
  sent_at     INTEGER,
  message_id  TEXT,
  last_error  TEXT
) STRICT;
CREATE INDEX dlp_notify_due ON dlp_notify (next_at) WHERE state = 'pending';

CREATE TABLE dlp_alert_chain (
  alert_id  INTEGER PRIMARY KEY REFERENCES dlp_alert (id),
  hash      BLOB    NOT NULL CHECK (length(hash) = 32)
) STRICT;
CREATE TRIGGER dlp_alert_chain_no_update BEFORE UPDATE ON dlp_alert_chain BEGIN SELECT RAISE(ABORT, 'the DLP alert chain is append-only'); END;
CREATE TRIGGER dlp_alert_chain_no_delete BEFORE DELETE ON dlp_alert_chain BEGIN SELECT RAISE(ABORT, 'the DLP alert chain is append-only'); END;
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const DLP_MIGRATIONS: readonly Migration[] = [
  {version: 15, name: 'dlp: alerts (immutable) and their acknowledgements', sql: DLP_SCHEMA_V15},
  {version: 19, name: 'dlp: the alerts\' evidence chain and mail outbox', sql: DLP_SCHEMA_V19},
];
