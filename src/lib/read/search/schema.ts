/**
 * The search index's tables (migration 7). Times are ms since the epoch. Everything here is derived from the
 * archive (the messages' bytes), the record and the snapshots: `bonnie search --reindex` drops and rebuilds it.
 *
 * - search_doc: one row per content (archive blob): what a result shows of it (first From address, subject,
 *   Message-ID, size) and its date. Its id is a date key, `date` in seconds (clamped to 0..2^42) x 1024 + n, so that
 *   ordering by id is newest first: FTS5 then walks its rowids from the newest and a query stops at its
 *   limit instead of sorting every match. `date` is the Date header; without one that parses, the internal
 *   date of the first place the content was found in, else when bonnie first saw it (`date_source`).
 *   `problem` says why the text could not be indexed (unparseable, unreadable blob): the message is still
 *   found by everything but its text.
 * - search_fts: FTS5, contentless (the text is in the archive; the index keeps only what matching needs),
 *   rowid = search_doc.id. Text goes in through indexText() (CJK characters one token each) and
 *   unicode61 with diacritics removed, so `cafe` finds `café`.
 * - search_folder: a folder (by Cyrus' mailboxID) as results show it now: its latest name (admin form; a
 *   delayed-delete DELETED.* name is shown as the name it had), the path below its owner (INBOX, Sent), the
 *   owner's login and whether it was deleted. `id` keeps search_item's indexes small.
 * - search_item: one row per place a content is or was (folder, UIDVALIDITY, UID): its owner (copied from
 *   the folder, for the user: filter in date order), flags (space-separated, as Cyrus spells them), whether
 *   it is gone (`deleted`, with `removal`: expunged, expired, moved, folder-deleted) and its internal date
 *   when a snapshot gave it. Its indexes serve the filters in date order: by owner, by folder, gone.
 * - search_flag: each flag of each place, lower case (IMAP flags are case-insensitive), in date order: so
 *   that a rare flag or keyword is found without reading every place.
 * - search_state: watermarks of the incremental update (the last change and snapshot applied, the collector
 *   job below which every job is settled) and when the last full build finished (NULL: never; 0: none was
 *   needed, the catalog had no archived mail when the index was added), and how many contents and places
 *   it holds (for the query planner's estimates).
 * - search_segment: per archive segment, the last blob offset indexed (blobs are appended in offset order).
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const SEARCH_SCHEMA_V7 = `
CREATE TABLE search_doc (
  id             INTEGER PRIMARY KEY,
  sha256         BLOB    NOT NULL UNIQUE CHECK (length(sha256) = 32),
  date           INTEGER NOT NULL,
  date_source    TEXT    NOT NULL CHECK (date_source IN ('header', 'internal', 'seen')),
  from_display   TEXT    NOT NULL,
  subject        TEXT    NOT NULL,
  message_id     TEXT    NOT NULL,
  size           INTEGER NOT NULL,
  has_attachment INTEGER NOT NULL CHECK (has_attachment IN (0, 1)),
  problem        TEXT
) STRICT;

CREATE INDEX search_doc_by_size ON search_doc (size);

CREATE VIRTUAL TABLE search_fts USING fts5(
  from_header, to_header, cc_header, subject, body, attachments, message_id,
  content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE search_folder (
  id         INTEGER PRIMARY KEY,
  mailbox_id TEXT    NOT NULL UNIQUE,
  name       TEXT    NOT NULL,
  path       TEXT    NOT NULL,
  owner      TEXT,
  deleted    INTEGER NOT NULL CHECK (deleted IN (0, 1))
) STRICT;

CREATE INDEX search_folder_by_name ON search_folder (name);
CREATE INDEX search_folder_by_path ON search_folder (path);

CREATE TABLE search_item (
  id            INTEGER PRIMARY KEY,
  folder_id     INTEGER NOT NULL REFERENCES search_folder (id),
  uid_validity  INTEGER NOT NULL,
  uid           INTEGER NOT NULL CHECK (uid > 0),
  doc_id        INTEGER NOT NULL REFERENCES search_doc (id),
  owner         TEXT,
  flags         TEXT    NOT NULL,
  deleted       INTEGER NOT NULL CHECK (deleted IN (0, 1)),
  removal       TEXT    CHECK (removal IN ('expunged', 'expired', 'moved', 'folder-deleted')),
  internal_date INTEGER,
  UNIQUE (folder_id, uid_validity, uid)
) STRICT;

CREATE INDEX search_item_by_doc ON search_item (doc_id);
CREATE INDEX search_item_by_owner ON search_item (owner, doc_id);
CREATE INDEX search_item_by_folder ON search_item (folder_id, doc_id);
CREATE INDEX search_item_gone ON search_item (doc_id) WHERE deleted = 1;

CREATE TABLE search_flag (
  flag    TEXT    NOT NULL,
  doc_id  INTEGER NOT NULL,
  item_id INTEGER NOT NULL REFERENCES search_item (id),
  PRIMARY KEY (flag, doc_id, item_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE search_state (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  change_id   INTEGER NOT NULL,
  snapshot_id INTEGER NOT NULL,
  job_id      INTEGER NOT NULL,
  built_at    INTEGER,
  docs        INTEGER NOT NULL DEFAULT 0,
  items       INTEGER NOT NULL DEFAULT 0
) STRICT;

-- A catalog without archived mail needs no full build: the incremental update starts from nothing.
INSERT INTO search_state (id, change_id, snapshot_id, job_id, built_at) VALUES (1, 0, 0, 0, CASE WHEN EXISTS (SELECT 1 FROM blob) THEN NULL ELSE 0 END);

CREATE TABLE search_segment (
  segment_id    TEXT    PRIMARY KEY,
  header_offset INTEGER NOT NULL
) STRICT;
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const SEARCH_MIGRATIONS: readonly Migration[] = [
  {version: 7, name: 'search: full-text index of archived messages, their places and flags', sql: SEARCH_SCHEMA_V7},
];
