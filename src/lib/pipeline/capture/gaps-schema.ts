/**
 * Tables of gap detection (migration 2). Times are ms since the epoch.
 *
 * - mailbox_counter: per folder (by Cyrus' mailboxID), what the events seen so far say about its counters.
 * - gap: a hole in the record: UIDs that were assigned without an event announcing them, or modseq
 *   increments that no received event explains (Cyrus drops events over ~21 KB with only a syslog line).
 * - reconcile_job: a request for the collector to re-read that folder's state; one pending per folder;
 *   cancelled when late events close every open gap of the folder before the collector got to it.
 * - gap_scan: how far the detector has read the notification table.
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const GAPS_SCHEMA_V2 = `
CREATE TABLE mailbox_counter (
  mailbox_id           TEXT    PRIMARY KEY,
  mailbox_name         TEXT    NOT NULL,
  uid_validity         INTEGER,
  last_modseq          INTEGER,
  modseq_events_since  INTEGER NOT NULL DEFAULT 0,
  uids_touched_since   INTEGER NOT NULL DEFAULT 0,
  highest_uid          INTEGER,
  last_notification_id INTEGER NOT NULL REFERENCES notification (id)
) STRICT;

CREATE TABLE gap (
  id            INTEGER PRIMARY KEY,
  mailbox_id    TEXT    NOT NULL,
  mailbox_name  TEXT    NOT NULL,
  kind          TEXT    NOT NULL CHECK (kind IN ('uid', 'modseq')),
  range_from    INTEGER NOT NULL,
  range_to      INTEGER NOT NULL,
  noticed_at    INTEGER NOT NULL,
  noticed_by    INTEGER NOT NULL REFERENCES notification (id),
  state         TEXT    NOT NULL CHECK (state IN ('open', 'closed')),
  closed_at     INTEGER,
  closed_reason TEXT,
  CHECK (range_from <= range_to)
) STRICT;

CREATE INDEX gap_open_by_mailbox ON gap (mailbox_id) WHERE state = 'open';

CREATE TABLE reconcile_job (
  id           INTEGER PRIMARY KEY,
  mailbox_id   TEXT    NOT NULL,
  mailbox_name TEXT    NOT NULL,
  gap_id       INTEGER REFERENCES gap (id),
  reason       TEXT    NOT NULL,
  state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'claimed', 'done', 'failed', 'dead', 'cancelled')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX reconcile_one_pending_per_mailbox ON reconcile_job (mailbox_id) WHERE state IN ('pending', 'claimed');

CREATE TABLE gap_scan (
  id                   INTEGER PRIMARY KEY CHECK (id = 1),
  last_notification_id INTEGER NOT NULL
) STRICT;
`;

/**
 * Migration 11: open UID gaps by their upper end, so that an arriving UID set is checked against the gaps it
 * can close (those ending at or above its first UID), not against every open gap of the folder (quadratic
 * when a folder has thousands of open gaps).
 */
export const GAPS_SCHEMA_V11 = `
CREATE INDEX gap_open_uid_by_end ON gap (mailbox_id, range_to) WHERE state = 'open' AND kind = 'uid';
`;

/**
 * Migration 12: a gap can end `reconciled`: its folder was re-read whole and what the lost events announced
 * was archived (reconcile.ts). A dropped event never arrives late, so without this state such a gap stayed
 * open for good. `closed_at`/`closed_reason` say when and by which reconcile job.
 *
 * Gaps left open by a catalog made before: an open gap whose folder a reconcile job queued at or after its
 * noticing (its own, or a later one) re-read to the end is reconciled now. One queued before may have read
 * the folder before the gap's UIDs existed: such a gap stays open for the next reconcile.
 *
 * SQLite cannot alter a CHECK constraint: the table is rebuilt. Inside a migration's transaction foreign
 * keys stay on, so reconcile_job's links to gaps are set aside and restored: dropping a referenced row
 * would violate them, and renaming the old table would rewrite their `REFERENCES gap`.
 */
export const GAPS_SCHEMA_V12 = `
CREATE TEMP TABLE reconcile_gap_v12 AS SELECT id, gap_id FROM reconcile_job WHERE gap_id IS NOT NULL;
UPDATE reconcile_job SET gap_id = NULL WHERE gap_id IS NOT NULL;
CREATE TABLE gap_v12 (
  id            INTEGER PRIMARY KEY,
  mailbox_id    TEXT    NOT NULL,
  mailbox_name  TEXT    NOT NULL,
  kind          TEXT    NOT NULL CHECK (kind IN ('uid', 'modseq')),
  range_from    INTEGER NOT NULL,
  range_to      INTEGER NOT NULL,
  noticed_at    INTEGER NOT NULL,
  noticed_by    INTEGER NOT NULL REFERENCES notification (id),
  state         TEXT    NOT NULL CHECK (state IN ('open', 'closed', 'reconciled')),
  closed_at     INTEGER,
  closed_reason TEXT,
  CHECK (range_from <= range_to)
) STRICT;
INSERT INTO gap_v12 SELECT id, mailbox_id, mailbox_name, kind, range_from, range_to, noticed_at, noticed_by, state, closed_at, closed_reason FROM gap;
DROP TABLE gap;
ALTER TABLE gap_v12 RENAME TO gap;
CREATE INDEX gap_open_by_mailbox ON gap (mailbox_id) WHERE state = 'open';
CREATE INDEX gap_open_uid_by_end ON gap (mailbox_id, range_to) WHERE state = 'open' AND kind = 'uid';
UPDATE reconcile_job SET gap_id = (SELECT r.gap_id FROM temp.reconcile_gap_v12 r WHERE r.id = reconcile_job.id) WHERE id IN (SELECT id FROM temp.reconcile_gap_v12);
DROP TABLE temp.reconcile_gap_v12;
UPDATE gap SET state = 'reconciled',
    closed_at = (SELECT min(j.updated_at) FROM reconcile_job j WHERE j.mailbox_id = gap.mailbox_id AND j.state = 'done' AND j.created_at >= gap.noticed_at),
    closed_reason = 'its folder was re-read by a reconcile job done before this state existed (migration 12)'
  WHERE state = 'open'
    AND EXISTS (SELECT 1 FROM reconcile_job j WHERE j.mailbox_id = gap.mailbox_id AND j.state = 'done' AND j.created_at >= gap.noticed_at);
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const GAPS_MIGRATIONS: readonly Migration[] = [
  {version: 2, name: 'gaps: mailbox counters, gaps, reconcile jobs', sql: GAPS_SCHEMA_V2},
  {version: 11, name: 'gaps: open UID gaps by their upper end', sql: GAPS_SCHEMA_V11},
  {version: 12, name: 'gaps: a gap can end reconciled (its folder re-read whole)', sql: GAPS_SCHEMA_V12},
];
