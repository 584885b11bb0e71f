/**
 * The queue's tables. Times are integers, milliseconds since the epoch (UTC).
 *
 * - notification: every accepted notification, raw bytes exactly as received (without the newline that
 *   framed it), immutable and undeletable (it is evidence). A byte-identical delivery only counts.
 * - job: processing state of each notification; the only mutable part.
 * - quarantine: input that is not a valid event, kept with the reason.
 * - spill_drained: spill files already moved into the queue, so a drain is applied exactly once.
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const QUEUE_SCHEMA_V1 = `
CREATE TABLE notification (
  id                INTEGER PRIMARY KEY,
  sha256            BLOB    NOT NULL UNIQUE,
  raw               BLOB    NOT NULL,
  received_at       INTEGER NOT NULL,
  source            TEXT    NOT NULL,
  spill_file        TEXT,
  event_type        TEXT    NOT NULL,
  event_time        TEXT,
  mailbox_id        TEXT,
  deliveries        INTEGER NOT NULL DEFAULT 1,
  last_delivered_at INTEGER NOT NULL
) STRICT;

CREATE TRIGGER notification_immutable
BEFORE UPDATE OF id, sha256, raw, received_at, source, spill_file, event_type, event_time, mailbox_id ON notification
BEGIN SELECT RAISE(ABORT, 'notifications are evidence: they cannot be changed'); END;

CREATE TRIGGER notification_undeletable BEFORE DELETE ON notification
BEGIN SELECT RAISE(ABORT, 'notifications are evidence: they cannot be deleted'); END;

CREATE TABLE job (
  notification_id  INTEGER PRIMARY KEY REFERENCES notification (id),
  state            TEXT    NOT NULL CHECK (state IN ('pending', 'claimed', 'done', 'failed', 'dead')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  retry_at         INTEGER,
  last_error       TEXT,
  updated_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX job_by_state ON job (state, notification_id);

CREATE TABLE quarantine (
  id                INTEGER PRIMARY KEY,
  sha256            BLOB    NOT NULL UNIQUE,
  raw               BLOB    NOT NULL,
  received_at       INTEGER NOT NULL,
  source            TEXT    NOT NULL,
  spill_file        TEXT,
  error             TEXT    NOT NULL,
  deliveries        INTEGER NOT NULL DEFAULT 1,
  last_delivered_at INTEGER NOT NULL
) STRICT;

CREATE TRIGGER quarantine_undeletable BEFORE DELETE ON quarantine
BEGIN SELECT RAISE(ABORT, 'quarantined input is evidence: it cannot be deleted'); END;

CREATE TABLE spill_drained (
  name       TEXT    PRIMARY KEY,
  drained_at INTEGER NOT NULL
) STRICT;
`;

/**
 * Crash accounting (migration 8). `attempts` now counts only a job's own failures; a run that dies (kill -9,
 * out of memory, a bug the job triggers) or hangs past its lease while jobs are claimed counts against
 * `crashes` of every job it held, and `crashes_alone` of the job it held alone. Claims shrink as `crashes`
 * grow, so a batch that keeps dying is bisected down to the job that kills it.
 */
export const QUEUE_SCHEMA_V8 = `
ALTER TABLE job ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE job ADD COLUMN crashes_alone INTEGER NOT NULL DEFAULT 0;
`;

/**
 * What operators did to the queue (migration 10). Job state is mutable; what an operator changed is not:
 *
 * - quarantine gains its resolution: `requeued` (its bytes were judged again and what is now a valid event
 *   was queued) or `acknowledged` (an operator has seen it and nothing can be done), when and by whom. The
 *   row itself stays, and its evidence columns can no longer be changed either. A delivery of the same bytes
 *   after the resolution (`last_delivered_at > resolved_at`) makes it need review again.
 * - queue_action: one immutable, undeletable row per operator action (a job re-queued, a quarantined
 *   delivery requeued or acknowledged): when, who (login, and the sudo user behind it), the job's state
 *   before, what was done, and the operator's reason.
 */
export const QUEUE_SCHEMA_V10 = `
ALTER TABLE quarantine ADD COLUMN resolution TEXT CHECK (resolution IN ('requeued', 'acknowledged'));
ALTER TABLE quarantine ADD COLUMN resolved_at INTEGER;
ALTER TABLE quarantine ADD COLUMN resolved_by TEXT;

CREATE TRIGGER quarantine_immutable
BEFORE UPDATE OF id, sha256, raw, received_at, source, spill_file, error ON quarantine
BEGIN SELECT RAISE(ABORT, 'quarantined input is evidence: it cannot be changed'); END;

CREATE TABLE queue_action (
  id              INTEGER PRIMARY KEY,
  at              INTEGER NOT NULL,
  actor           TEXT    NOT NULL,
  action          TEXT    NOT NULL CHECK (action IN ('job-retry', 'quarantine-requeue', 'quarantine-acknowledge')),
  notification_id INTEGER REFERENCES notification (id),
  quarantine_id   INTEGER REFERENCES quarantine (id),
  from_state      TEXT,
  detail          TEXT    NOT NULL,
  reason          TEXT
) STRICT;

CREATE INDEX queue_action_by_notification ON queue_action (notification_id) WHERE notification_id IS NOT NULL;
CREATE INDEX queue_action_by_quarantine ON queue_action (quarantine_id) WHERE quarantine_id IS NOT NULL;

CREATE TRIGGER queue_action_immutable BEFORE UPDATE ON queue_action
BEGIN SELECT RAISE(ABORT, 'what operators did is evidence: it cannot be changed'); END;

CREATE TRIGGER queue_action_undeletable BEFORE DELETE ON queue_action
BEGIN SELECT RAISE(ABORT, 'what operators did is evidence: it cannot be deleted'); END;
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const QUEUE_MIGRATIONS: readonly Migration[] = [
  {version: 1, name: 'queue: notifications, jobs, quarantine, spill', sql: QUEUE_SCHEMA_V1},
  {version: 8, name: 'queue: crashes of the run counted apart from a job\'s own failures', sql: QUEUE_SCHEMA_V8},
  {version: 10, name: 'queue: quarantine resolutions and an immutable log of what operators re-queued', sql: QUEUE_SCHEMA_V10},
];
