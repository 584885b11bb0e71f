/**
 * Tables of `bonnie archive` (migration 6). Times are ms since the epoch; modseqs are 64-bit integers.
 *
 * - snapshot: a folder's state as it was read at `taken_at` (from the spool's cyrus.index, or over IMAP):
 *   what `bonnie restore --at` starts from. A run on a folder whose UIDVALIDITY, HIGHESTMODSEQ and record
 *   count are unchanged since its last snapshot records none. `metadata` is a JSON object of the folder
 *   annotations asked for (folder_metadata), or NULL.
 * - snapshot_message: one message of a snapshot: UID, flags (space-separated IMAP flag names), internal
 *   date, size, modseq. `expunged` rows are messages the spool still held although IMAP no longer showed
 *   them (expunged, awaiting cyr_expire): evidence, not part of the folder.
 * - message_link: which blob holds the bytes of a message (mailboxID, UIDVALIDITY, UID) that `bonnie
 *   archive` read, or why they could not be had. The collector's links are its `done` collect_job rows;
 *   the view archived_message shows both.
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const SNAPSHOT_SCHEMA_V6 = `
CREATE TABLE snapshot (
  id             INTEGER PRIMARY KEY,
  mailbox_id     TEXT    NOT NULL,
  mailbox_name   TEXT    NOT NULL,
  uid_validity   INTEGER NOT NULL,
  highest_modseq INTEGER NOT NULL,
  source         TEXT    NOT NULL CHECK (source IN ('spool', 'imap')),
  taken_at       INTEGER NOT NULL,
  messages       INTEGER NOT NULL,
  bytes          INTEGER NOT NULL,
  metadata       TEXT
) STRICT;

CREATE INDEX snapshot_by_mailbox ON snapshot (mailbox_id, id);
CREATE INDEX snapshot_by_name ON snapshot (mailbox_name, id);

CREATE TABLE snapshot_message (
  snapshot_id   INTEGER NOT NULL REFERENCES snapshot (id),
  uid           INTEGER NOT NULL CHECK (uid > 0),
  flags         TEXT    NOT NULL,
  internal_date INTEGER NOT NULL,
  size          INTEGER NOT NULL,
  modseq        INTEGER NOT NULL,
  expunged      INTEGER NOT NULL DEFAULT 0 CHECK (expunged IN (0, 1)),
  PRIMARY KEY (snapshot_id, uid)
) STRICT, WITHOUT ROWID;

CREATE TABLE message_link (
  mailbox_id   TEXT    NOT NULL,
  uid_validity INTEGER NOT NULL,
  uid          INTEGER NOT NULL CHECK (uid > 0),
  sha256       BLOB    CHECK (sha256 IS NULL OR length(sha256) = 32),
  reason       TEXT,
  source       TEXT    NOT NULL CHECK (source IN ('spool', 'imap')),
  linked_at    INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, uid_validity, uid),
  CHECK ((sha256 IS NULL) = (reason IS NOT NULL))
) STRICT, WITHOUT ROWID;

CREATE INDEX message_link_by_blob ON message_link (sha256) WHERE sha256 IS NOT NULL;

CREATE VIEW archived_message AS
  SELECT mailbox_id, uid_validity, uid, sha256, 'collector' AS source FROM collect_job WHERE state = 'done'
  UNION ALL
  SELECT mailbox_id, uid_validity, uid, sha256, source FROM message_link WHERE sha256 IS NOT NULL;
`;

/**
 * Archive format 2 (migration 20, issue 19): link_archived is what the archive's `links` members already
 * carry: one row per link (a message_link row, or a collector's done job) as it was written to a segment,
 * `value` the blob's SHA-256 in hex or `reason:` and the reason; `seq` numbers them as the members name
 * them (`links/<first seq>-<last seq>`). A link whose value changed since is written again.
 */
export const SNAPSHOT_SCHEMA_V20 = `
CREATE TABLE link_archived (
  seq          INTEGER PRIMARY KEY,
  mailbox_id   TEXT    NOT NULL,
  uid_validity INTEGER NOT NULL,
  uid          INTEGER NOT NULL,
  source       TEXT    NOT NULL CHECK (source IN ('collector', 'spool', 'imap')),
  value        TEXT    NOT NULL,
  UNIQUE (mailbox_id, uid_validity, uid, source)
) STRICT;
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const SNAPSHOT_MIGRATIONS: readonly Migration[] = [
  {version: 6, name: 'snapshot: folder snapshots, their messages, links of archived messages to blobs', sql: SNAPSHOT_SCHEMA_V6},
  {version: 20, name: 'snapshot: which links the archive\'s segments carry (archive format 2)', sql: SNAPSHOT_SCHEMA_V20},
];
