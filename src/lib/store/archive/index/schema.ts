/**
 * The archive index's tables (migration 4). Times are integers, milliseconds since the epoch (UTC);
 * offsets and lengths are bytes. The index is the truth: a blob exists when its row exists, and a row is
 * written only after its bytes were fsynced and read back intact.
 *
 * - segment: one tar file under the archive folder. `bytes` is the committed length: for an open segment
 *   the end of its last indexed member (anything after it is garbage from a crash), for a closed one the
 *   file's length including the end-of-archive blocks. `format` is the on-disk format version
 *   (docs/FORMAT.md).
 * - blob: one message, by SHA-256 of its exact bytes, stored once however many folders hold it.
 * - segment_retired (migration 17): segments a prune repacked, forgotten by the index in the transaction
 *   that moved their blobs; their files are removed after that commit, then the row. A row left by a crash
 *   names a file to remove (by the next prune or writer), never damage.
 * - segment_member (migration 20, archive format 2): a member of another type than a blob (docs/FORMAT.md):
 *   `record` (accepted notifications `first_id`..`last_id` with their chain hashes), `snapshot` (snapshot
 *   `first_id` = `last_id`), `links` (message links, `first_id`..`last_id` of link_archived). Indexed like a
 *   blob: only after its bytes were fsynced and read back; `sha256` is that of its uncompressed content.
 * - migration 22 (issue 19, what a rebuilt catalog lacked): `kind` widened to the members carrying the
 *   catalog's other evidence: `policy` (the policy log, seqs), `prune-plans` (plans, by rowid),
 *   `tombstones`, `alerts` (DLP alerts with their chain links), `alert-acks`, `quarantine`, `queue-actions`
 *   (ids). The CHECK is a shape (lower-case words and dashes), not a list: a later kind needs no table
 *   rebuild; the code's MemberKind is the list.
 * - blob_part, blob_part_ref (migration 23, archive format 3): a split message's `blob` row has
 *   `manifest` = 1 and points at its manifest member; each large MIME part is a `blob_part` row (by SHA-256
 *   of its stored bytes, stored once however many messages hold it), and `blob_part_ref` says which
 *   messages name which parts: a part is dropped (by prune) only when no kept message refers to it.
 * - archive_lock: the one writer of the archive (like process_lock; a dead holder on this host is
 *   recognised by its pid, elsewhere by expiry).
 */
import type {Migration} from '../../../base/catalog/migrations.js';

export const ARCHIVE_SCHEMA_V4 = `
CREATE TABLE segment (
  id         TEXT    PRIMARY KEY CHECK (length(id) = 32),
  path       TEXT    NOT NULL UNIQUE,
  state      TEXT    NOT NULL CHECK (state IN ('open', 'closed', 'broken')),
  format     INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  closed_at  INTEGER,
  bytes      INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX segment_by_state ON segment (state);

CREATE TABLE blob (
  sha256          BLOB    PRIMARY KEY CHECK (length(sha256) = 32),
  segment_id      TEXT    NOT NULL REFERENCES segment (id),
  header_offset   INTEGER NOT NULL,
  data_offset     INTEGER NOT NULL,
  stored_length   INTEGER NOT NULL,
  original_length INTEGER NOT NULL,
  stored_at       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX blob_by_segment ON blob (segment_id, header_offset);

CREATE TABLE archive_lock (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  owner      TEXT    NOT NULL,
  host       TEXT    NOT NULL,
  pid        INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
`;

export const ARCHIVE_SCHEMA_V17 = `
CREATE TABLE segment_retired (
  id         TEXT    PRIMARY KEY CHECK (length(id) = 32),
  path       TEXT    NOT NULL,
  retired_at INTEGER NOT NULL
) STRICT;
`;

export const ARCHIVE_SCHEMA_V20 = `
CREATE TABLE segment_member (
  segment_id      TEXT    NOT NULL REFERENCES segment (id),
  header_offset   INTEGER NOT NULL,
  data_offset     INTEGER NOT NULL,
  stored_length   INTEGER NOT NULL,
  original_length INTEGER NOT NULL,
  sha256          BLOB    NOT NULL CHECK (length(sha256) = 32),
  kind            TEXT    NOT NULL CHECK (kind IN ('record', 'snapshot', 'links')),
  first_id        INTEGER NOT NULL,
  last_id         INTEGER NOT NULL,
  stored_at       INTEGER NOT NULL,
  PRIMARY KEY (segment_id, header_offset)
) STRICT, WITHOUT ROWID;

CREATE INDEX segment_member_by_kind ON segment_member (kind, last_id);
`;

/** SQLite cannot change a CHECK in place: the table is made again under another name, filled, renamed. */
export const ARCHIVE_SCHEMA_V22 = `
CREATE TABLE segment_member_v22 (
  segment_id      TEXT    NOT NULL REFERENCES segment (id),
  header_offset   INTEGER NOT NULL,
  data_offset     INTEGER NOT NULL,
  stored_length   INTEGER NOT NULL,
  original_length INTEGER NOT NULL,
  sha256          BLOB    NOT NULL CHECK (length(sha256) = 32),
  kind            TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 24 AND kind NOT GLOB '*[^a-z-]*'),
  first_id        INTEGER NOT NULL,
  last_id         INTEGER NOT NULL,
  stored_at       INTEGER NOT NULL,
  PRIMARY KEY (segment_id, header_offset)
) STRICT, WITHOUT ROWID;
INSERT INTO segment_member_v22 SELECT segment_id, header_offset, data_offset, stored_length, original_length, sha256, kind, first_id, last_id, stored_at FROM segment_member;
DROP TABLE segment_member;
ALTER TABLE segment_member_v22 RENAME TO segment_member;
CREATE INDEX segment_member_by_kind ON segment_member (kind, last_id);
`;

export const ARCHIVE_SCHEMA_V23 = `
ALTER TABLE blob ADD COLUMN manifest INTEGER NOT NULL DEFAULT 0 CHECK (manifest IN (0, 1));

CREATE TABLE blob_part (
  sha256          BLOB    PRIMARY KEY CHECK (length(sha256) = 32),
  segment_id      TEXT    NOT NULL REFERENCES segment (id),
  header_offset   INTEGER NOT NULL,
  data_offset     INTEGER NOT NULL,
  stored_length   INTEGER NOT NULL,
  original_length INTEGER NOT NULL,
  stored_at       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX blob_part_by_segment ON blob_part (segment_id, header_offset);

CREATE TABLE blob_part_ref (
  message BLOB NOT NULL CHECK (length(message) = 32),
  part    BLOB NOT NULL CHECK (length(part) = 32),
  PRIMARY KEY (message, part)
) STRICT, WITHOUT ROWID;

CREATE INDEX blob_part_ref_by_part ON blob_part_ref (part);
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const ARCHIVE_MIGRATIONS: readonly Migration[] = [
  {version: 4, name: 'archive: segments, blobs (the archive index), archive lock', sql: ARCHIVE_SCHEMA_V4},
  {version: 17, name: 'archive: segments retired by a prune, until their files are removed', sql: ARCHIVE_SCHEMA_V17},
  {version: 20, name: 'archive: members other than blobs (record, snapshots, links: archive format 2)', sql: ARCHIVE_SCHEMA_V20},
  {version: 22, name: 'archive: members carrying the policy log, prune plans, tombstones, DLP alerts, quarantine, queue actions', sql: ARCHIVE_SCHEMA_V22},
  {version: 23, name: 'archive: messages split at MIME part boundaries (manifests, part blobs: archive format 3)', sql: ARCHIVE_SCHEMA_V23},
];
