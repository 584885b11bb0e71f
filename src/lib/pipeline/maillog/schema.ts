/**
 * The transport record (migration 14): what `bonnie maillog` keeps of the MTAs' logs, to chase a message
 * through the hosts it crossed (issue 18). Times are ms since the epoch. Nothing here is evidence in the
 * chain's sense: it is re-derivable from the log files, which stay the source.
 *
 * - maillog_file: how far each log file has been read, by its fingerprint (SHA-256 of its first line), so
 *   that a file renamed or compressed by logrotate (`mail.log` → `mail.log.1` → `mail.log.2.gz`) is known
 *   under its new name and resumed where it was left, and a new `mail.log` starts from its beginning. The
 *   position is advanced in the transaction that stores the lines' records: each line is stored once.
 * - mta_message: one queue entry on one host (a Postfix or Exim queue ID from its first line to `removed`
 *   or `Completed`). A queue ID seen again after its entry was removed is a new row.
 * - mta_delivery: each recipient's delivery attempt of an entry, with its status and reason, the queue ID
 *   the next hop gave it (`queued as X`) and Cyrus' LMTP session ID (`SESSIONID=<...>`).
 * - mta_reject: what was refused before it had a queue ID (Postfix `NOQUEUE: reject`).
 * - mailbox_delivery: Cyrus lmtpd's `Delivered: <msgid> to mailbox: user.x`.
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const MAILLOG_SCHEMA_V14 = `
CREATE TABLE maillog_file (
  fingerprint TEXT    PRIMARY KEY,
  path        TEXT    NOT NULL,
  host        TEXT,
  position    INTEGER NOT NULL,
  lines       INTEGER NOT NULL DEFAULT 0,
  records     INTEGER NOT NULL DEFAULT 0,
  ignored     INTEGER NOT NULL DEFAULT 0,
  unknown     INTEGER NOT NULL DEFAULT 0,
  first_at    INTEGER,
  last_at     INTEGER,
  updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE mta_message (
  id          INTEGER PRIMARY KEY,
  host        TEXT    NOT NULL,
  mta         TEXT    NOT NULL CHECK (mta IN ('postfix', 'exim')),
  queue_id    TEXT    NOT NULL,
  origin      TEXT    NOT NULL CHECK (origin IN ('client', 'pickup', 'notice', 'unknown')),
  client      TEXT,
  protocol    TEXT,
  sender      TEXT,
  size        INTEGER,
  nrcpt       INTEGER,
  message_id  TEXT,
  parent_id   INTEGER REFERENCES mta_message (id),
  first_at    INTEGER NOT NULL,
  last_at     INTEGER NOT NULL,
  removed_at  INTEGER
) STRICT;
CREATE INDEX mta_message_by_queue_id ON mta_message (queue_id, first_at);
-- The entries still in a queue: what each new line is matched to (Postfix reuses queue IDs once removed).
CREATE INDEX mta_message_open ON mta_message (host, queue_id) WHERE removed_at IS NULL;
CREATE INDEX mta_message_by_message_id ON mta_message (message_id);
CREATE INDEX mta_message_by_sender ON mta_message (sender, first_at);
CREATE INDEX mta_message_by_time ON mta_message (first_at);

CREATE TABLE mta_delivery (
  id              INTEGER PRIMARY KEY,
  mta_message_id  INTEGER NOT NULL REFERENCES mta_message (id),
  at              INTEGER NOT NULL,
  program         TEXT    NOT NULL,
  recipient       TEXT    NOT NULL,
  orig_recipient  TEXT,
  relay           TEXT,
  status          TEXT    NOT NULL CHECK (status IN ('sent', 'deferred', 'bounced', 'expired')),
  dsn             TEXT,
  reason          TEXT,
  next_queue_id   TEXT,
  session_id      TEXT
) STRICT;
CREATE INDEX mta_delivery_by_message ON mta_delivery (mta_message_id, at);
CREATE INDEX mta_delivery_by_recipient ON mta_delivery (recipient, at);
CREATE INDEX mta_delivery_by_next ON mta_delivery (next_queue_id) WHERE next_queue_id IS NOT NULL;
CREATE INDEX mta_delivery_by_session ON mta_delivery (session_id) WHERE session_id IS NOT NULL;

CREATE TABLE mta_reject (
  id         INTEGER PRIMARY KEY,
  host       TEXT    NOT NULL,
  at         INTEGER NOT NULL,
  program    TEXT    NOT NULL,
  client     TEXT,
  sender     TEXT,
  recipient  TEXT,
  dsn        TEXT,
  reason     TEXT
) STRICT;
CREATE INDEX mta_reject_by_time ON mta_reject (at);

CREATE TABLE mailbox_delivery (
  id          INTEGER PRIMARY KEY,
  host        TEXT    NOT NULL,
  at          INTEGER NOT NULL,
  program     TEXT    NOT NULL,
  message_id  TEXT,
  mailbox     TEXT    NOT NULL,
  session_id  TEXT
) STRICT;
CREATE INDEX mailbox_delivery_by_message_id ON mailbox_delivery (message_id);
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const MAILLOG_MIGRATIONS: readonly Migration[] = [
  {version: 14, name: 'maillog: MTA queue entries, deliveries, rejects, lmtpd deliveries; log file positions', sql: MAILLOG_SCHEMA_V14},
];
