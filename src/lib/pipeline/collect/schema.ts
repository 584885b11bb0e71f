/**
 * Tables of the collector (migration 5). Times are ms since the epoch.
 *
 * - collect_job: one message (folder by Cyrus' mailboxID, UIDVALIDITY, UID) whose bytes the archive needs,
 *   from the arrival that announced it (MessageNew, MessageAppend, vnd.cmu.MessageCopy, vnd.cmu.MessageMove:
 *   one row per destination UID). A `done` row IS the link from that message to its blob (`sha256`, the
 *   archive's blob id); an `unrecoverable` row says why its bytes could not be had (`last_error`). One table
 *   rather than job + link: a message is collected exactly once, so the job's outcome is the link.
 *   `uid_validity` is 0 when the event carried none (Cyrus always sends it on arrivals).
 * - collect_scan: how far the collector has read the notification table.
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const COLLECT_SCHEMA_V5 = `
CREATE TABLE collect_job (
  id              INTEGER PRIMARY KEY,
  mailbox_id      TEXT    NOT NULL,
  mailbox_name    TEXT    NOT NULL,
  uid_validity    INTEGER NOT NULL,
  uid             INTEGER NOT NULL CHECK (uid > 0),
  notification_id INTEGER NOT NULL REFERENCES notification (id),
  state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'unrecoverable')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  sha256          BLOB    CHECK (sha256 IS NULL OR length(sha256) = 32),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  UNIQUE (mailbox_id, uid_validity, uid),
  CHECK ((state = 'done') = (sha256 IS NOT NULL))
) STRICT;

CREATE INDEX collect_job_pending ON collect_job (id) WHERE state = 'pending';
CREATE INDEX collect_job_by_blob ON collect_job (sha256) WHERE sha256 IS NOT NULL;

CREATE TABLE collect_scan (
  id                   INTEGER PRIMARY KEY CHECK (id = 1),
  last_notification_id INTEGER NOT NULL
) STRICT;
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const COLLECT_MIGRATIONS: readonly Migration[] = [
  {version: 5, name: 'collect: message jobs (and their links to blobs), scan watermark', sql: COLLECT_SCHEMA_V5},
];
