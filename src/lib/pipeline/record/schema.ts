/**
 * The e-discovery record (migration 3): what `bonnie process` derives from the notifications. Every row
 * names the notification it came from; times written `*_at` are the events' own timestamps (ms since the
 * epoch since migration 13; ISO 8601 text before), so that processing the same notifications again gives
 * the same record.
 *
 * - person / person_version: who acted or owns, by persistent id (LDAP) or canonical login; a new version
 *   when their attributes (login, mail, aliases, groups...) change.
 * - session: a Login/Logout pair by Cyrus' session id, and the events in between.
 * - folder / folder_version: a folder by Cyrus' mailboxID, its names and ACLs over time.
 * - message / placement: a message (by Cyrus' emailid, its content identity) and each place it has been
 *   (folder, UID), with where a copy or move came from: the lineage.
 * - change: the per-item changelog / audit trail: who did what to which item, when, from what to what.
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const RECORD_SCHEMA_V3 = `
CREATE TABLE person (
  id         INTEGER PRIMARY KEY,
  key        TEXT    NOT NULL UNIQUE,
  first_seen TEXT    NOT NULL
) STRICT;

CREATE TABLE person_version (
  id              INTEGER PRIMARY KEY,
  person_id       INTEGER NOT NULL REFERENCES person (id),
  login           TEXT    NOT NULL,
  uid             TEXT,
  mail            TEXT,
  cn              TEXT,
  dn              TEXT,
  aliases         TEXT    NOT NULL,
  groups          TEXT    NOT NULL,
  valid_from      TEXT    NOT NULL,
  valid_to        TEXT,
  notification_id INTEGER NOT NULL REFERENCES notification (id)
) STRICT;
CREATE INDEX person_version_current ON person_version (person_id) WHERE valid_to IS NULL;
CREATE INDEX person_version_by_login ON person_version (login);

CREATE TABLE session (
  session_id             TEXT    PRIMARY KEY,
  person_id              INTEGER REFERENCES person (id),
  login                  TEXT,
  service                TEXT,
  client_ip              TEXT,
  client_port            INTEGER,
  login_at               TEXT,
  logout_at              TEXT,
  closed_by              TEXT    CHECK (closed_by IN ('logout', 'timeout')),
  login_notification_id  INTEGER REFERENCES notification (id),
  logout_notification_id INTEGER REFERENCES notification (id),
  first_event_at         TEXT    NOT NULL,
  last_event_at          TEXT    NOT NULL,
  events                 INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX session_by_person ON session (person_id, login_at);
CREATE INDEX session_open ON session (login_at) WHERE closed_by IS NULL AND login_at IS NOT NULL;

CREATE TABLE folder (
  mailbox_id      TEXT    PRIMARY KEY,
  owner_login     TEXT,
  owner_person_id INTEGER REFERENCES person (id),
  created_at      TEXT,
  deleted_at      TEXT
) STRICT;

CREATE TABLE folder_version (
  id              INTEGER PRIMARY KEY,
  mailbox_id      TEXT    NOT NULL REFERENCES folder (mailbox_id),
  name            TEXT    NOT NULL,
  uid_validity    INTEGER,
  acl             TEXT,
  change          TEXT    NOT NULL CHECK (change IN ('created', 'first-seen', 'renamed', 'acl', 'deleted')),
  valid_from      TEXT    NOT NULL,
  valid_to        TEXT,
  notification_id INTEGER NOT NULL REFERENCES notification (id)
) STRICT;
CREATE INDEX folder_version_by_mailbox ON folder_version (mailbox_id, id);
CREATE INDEX folder_version_by_name ON folder_version (name);

CREATE TABLE message (
  id                    INTEGER PRIMARY KEY,
  email_id              TEXT    UNIQUE,
  message_id            TEXT,
  subject               TEXT,
  sender                TEXT,
  sent_date             TEXT,
  envelope              TEXT,
  size                  INTEGER,
  first_seen_at         TEXT    NOT NULL,
  first_notification_id INTEGER NOT NULL REFERENCES notification (id)
) STRICT;
CREATE INDEX message_by_message_id ON message (message_id);

CREATE TABLE placement (
  id                  INTEGER PRIMARY KEY,
  mailbox_id          TEXT    NOT NULL,
  uid_validity        INTEGER,
  uid                 INTEGER NOT NULL,
  message             INTEGER NOT NULL REFERENCES message (id),
  origin              TEXT    NOT NULL CHECK (origin IN ('appended', 'delivered', 'copied', 'moved', 'first-seen')),
  source_placement_id INTEGER REFERENCES placement (id),
  flags               TEXT    NOT NULL DEFAULT '[]',
  added_at            TEXT    NOT NULL,
  added_notification  INTEGER NOT NULL REFERENCES notification (id),
  removed_at          TEXT,
  removal             TEXT    CHECK (removal IN ('expunged', 'expired', 'moved', 'folder-deleted')),
  UNIQUE (mailbox_id, uid_validity, uid)
) STRICT;
CREATE INDEX placement_by_message ON placement (message);
CREATE INDEX placement_by_source ON placement (source_placement_id);

CREATE TABLE change (
  id              INTEGER PRIMARY KEY,
  notification_id INTEGER NOT NULL REFERENCES notification (id),
  at              TEXT    NOT NULL,
  actor_person_id INTEGER REFERENCES person (id),
  actor_login     TEXT,
  session_id      TEXT,
  kind            TEXT    NOT NULL CHECK (kind IN ('message', 'folder', 'session', 'quota')),
  action          TEXT    NOT NULL,
  mailbox_id      TEXT,
  placement_id    INTEGER REFERENCES placement (id),
  message         INTEGER REFERENCES message (id),
  before          TEXT,
  after           TEXT
) STRICT;
CREATE INDEX change_by_message ON change (message, id);
CREATE INDEX change_by_placement ON change (placement_id, id);
CREATE INDEX change_by_mailbox ON change (mailbox_id, id);
CREATE INDEX change_by_actor ON change (actor_person_id, at);
CREATE INDEX change_by_session ON change (session_id);
`;

/** The processing run's lock and the evidence chain (also migration 3). */
export const PROCESS_SCHEMA_V3 = `
CREATE TABLE process_lock (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  owner      TEXT    NOT NULL,
  host       TEXT    NOT NULL,
  pid        INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;

CREATE TABLE evidence_chain (
  seq             INTEGER PRIMARY KEY,
  notification_id INTEGER NOT NULL UNIQUE REFERENCES notification (id),
  hash            BLOB    NOT NULL
) STRICT;
`;

/**
 * Migration 13: the record's times become milliseconds since the epoch (INTEGER), as every other table's
 * are: one representation, converted to ISO 8601 only where it is shown. SQLite cannot change a column's
 * type, and rebuilding these tables needs foreign keys off, which a migration's transaction cannot do: each
 * column is added anew, filled from the text (`unixepoch`, any RFC 3339 spelling), and takes the old one's
 * name. A NOT NULL column gets DEFAULT 0 (SQLite requires one to add it); the repositories always write it.
 */
const TIME_COLUMNS: ReadonlyArray<readonly [table: string, column: string, notNull: boolean]> = [
  ['person', 'first_seen', true],
  ['person_version', 'valid_from', true],
  ['person_version', 'valid_to', false],
  ['session', 'login_at', false],
  ['session', 'logout_at', false],
  ['session', 'first_event_at', true],
  ['session', 'last_event_at', true],
  ['folder', 'created_at', false],
  ['folder', 'deleted_at', false],
  ['folder_version', 'valid_from', true],
  ['folder_version', 'valid_to', false],
  ['message', 'first_seen_at', true],
  ['placement', 'added_at', true],
  ['placement', 'removed_at', false],
  ['change', 'at', true],
];

/** The indexes on those columns: dropped before, made again after. */
const TIME_INDEXES = `
CREATE INDEX person_version_current ON person_version (person_id) WHERE valid_to IS NULL;
CREATE INDEX session_by_person ON session (person_id, login_at);
CREATE INDEX session_open ON session (login_at) WHERE closed_by IS NULL AND login_at IS NOT NULL;
CREATE INDEX change_by_actor ON change (actor_person_id, at);
`;

const toMs = (column: string) => `coalesce(CAST(round(unixepoch(${column}, 'subsec') * 1000) AS INTEGER), CAST(round(unixepoch(upper(${column}), 'subsec') * 1000) AS INTEGER))`;

export const RECORD_SCHEMA_V13 = [
  'DROP INDEX person_version_current; DROP INDEX session_by_person; DROP INDEX session_open; DROP INDEX change_by_actor;',
  ...TIME_COLUMNS.map(([table, column, notNull]) =>
    [
      `ALTER TABLE ${table} ADD COLUMN ${column}__ms INTEGER${notNull ? ' NOT NULL DEFAULT 0' : ''};`,
      `UPDATE ${table} SET ${column}__ms = ${toMs(column)} WHERE ${column} IS NOT NULL;`,
      `ALTER TABLE ${table} DROP COLUMN ${column};`,
      `ALTER TABLE ${table} RENAME COLUMN ${column}__ms TO ${column};`,
    ].join('\n'),
  ),
  TIME_INDEXES,
].join('\n');

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const RECORD_MIGRATIONS: readonly Migration[] = [
  {version: 3, name: 'record: people, sessions, folders, messages, changelog; evidence chain', sql: RECORD_SCHEMA_V3 + PROCESS_SCHEMA_V3},
  {version: 13, name: 'record: times in milliseconds since the epoch, like every other table', sql: RECORD_SCHEMA_V13},
];
