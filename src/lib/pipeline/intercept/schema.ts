/**
 * The interception store's schema (issue 16). It is NOT part of the catalog: warrants live in a file of
 * their own (setting intercept_db), root's only, so nothing running as cyrus or the mail group can tell who
 * is intercepted. Its own application id and its own numbered migrations; opened by the catalog module
 * with `database` (store-file.ts). Times are ms since the epoch.
 *
 * - intercept: one warrant (ETSI TS 102 232-1): the LIID the agency gave, the agency, the authorisation and
 *   delivery country codes, when it starts and ends, where IRI (HI2) and CC (HI3) go, or a folder; who
 *   added it; who ended it early, when and why. Never deleted: an ended warrant stays, for the log.
 * - intercept_target: each target as the administrator gave it, with what the directory resolved it to
 *   (the person's id, login and every address), at the time it was added.
 * - intercept_log: every change, in a hash chain of its own: hash(n) = SHA-256(hash(n-1) || entry(n)),
 *   hash(0) = 32 zero bytes, entry(n) = `<seq>\n<at>\n<actor>\n<entry>` as the policy log's.
 * - intercept_pdu (migration 2): the handover queue. One BER-encoded PS-PDU per row, numbered per intercept
 *   and destination (hi 2: IRI to HI2, hi 3: CC to HI3) from 0 in the order written, with the notification
 *   it came from; delivered_at is set once the PDU was handed to the agency's socket (or its file renamed
 *   into the folder). Kept after delivery, as the record of what was handed over.
 * - intercept_cursor (migration 2): where `bonnie intercept serve` is in the catalog's notifications (the
 *   last id it mapped), advanced in the same transaction as the PDUs that notification gave.
 * - intercept_pdu.purged_at, size, sha256 (migration 3): a delivered PDU's bytes (a CC is a whole message)
 *   are dropped once it was delivered longer ago than serve's --keep-delivered; the row stays, with the
 *   PDU's length and SHA-256, as the record of what was handed over and when.
 */
import {CATALOG_MIGRATIONS, composeSchema, type Migration, type Schema} from '../../base/catalog/migrations.js';

/** `PRAGMA application_id` of the interception store: "bnli" in ASCII (the catalog's is "bonn"). */
export const INTERCEPT_APPLICATION_ID = 0x62_6e_6c_69;

export const INTERCEPT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'intercept: warrants, targets, log',
    sql: `
CREATE TABLE intercept (
  id                INTEGER PRIMARY KEY,
  liid              TEXT    NOT NULL UNIQUE,
  agency            TEXT    NOT NULL,
  auth_country      TEXT    NOT NULL,
  delivery_country  TEXT    NOT NULL,
  start_at          INTEGER NOT NULL,
  end_at            INTEGER NOT NULL CHECK (end_at > start_at),
  hi2               TEXT,
  hi3               TEXT,
  folder            TEXT,
  created_at        INTEGER NOT NULL,
  created_by        TEXT    NOT NULL,
  ended_at          INTEGER,
  ended_by          TEXT,
  end_reason        TEXT,
  CHECK ((hi2 IS NOT NULL AND hi3 IS NOT NULL AND folder IS NULL) OR (hi2 IS NULL AND hi3 IS NULL AND folder IS NOT NULL))
) STRICT;

CREATE TABLE intercept_target (
  intercept_id  INTEGER NOT NULL REFERENCES intercept (id),
  given         TEXT    NOT NULL,
  person_id     TEXT    NOT NULL,
  login         TEXT    NOT NULL,
  addresses     TEXT    NOT NULL, -- JSON array of strings
  PRIMARY KEY (intercept_id, given)
) STRICT;

CREATE TABLE intercept_log (
  seq    INTEGER PRIMARY KEY,
  at     INTEGER NOT NULL,
  actor  TEXT    NOT NULL,
  entry  TEXT    NOT NULL,
  hash   BLOB    NOT NULL
) STRICT;
`,
  },
  {
    version: 2,
    name: 'intercept: handover queue and cursor',
    sql: `
CREATE TABLE intercept_pdu (
  intercept_id  INTEGER NOT NULL REFERENCES intercept (id),
  hi            INTEGER NOT NULL CHECK (hi IN (2, 3)),
  seq           INTEGER NOT NULL CHECK (seq >= 0),
  event_id      INTEGER NOT NULL,
  enqueued_at   INTEGER NOT NULL,
  pdu           BLOB    NOT NULL,
  delivered_at  INTEGER,
  PRIMARY KEY (intercept_id, hi, seq)
) STRICT;

CREATE INDEX intercept_pdu_undelivered ON intercept_pdu (intercept_id, hi, seq) WHERE delivered_at IS NULL;

CREATE TABLE intercept_cursor (
  name        TEXT    PRIMARY KEY,
  event_id    INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;
`,
  },
  {
    version: 3,
    name: 'intercept: delivered PDUs purged of their bytes',
    sql: `
ALTER TABLE intercept_pdu ADD COLUMN purged_at INTEGER;
ALTER TABLE intercept_pdu ADD COLUMN size INTEGER;
ALTER TABLE intercept_pdu ADD COLUMN sha256 BLOB;
CREATE INDEX intercept_pdu_unpurged ON intercept_pdu (delivered_at) WHERE purged_at IS NULL AND delivered_at IS NOT NULL;
`,
  },
];

/** The store's migrations with the bookkeeping table every bonnie database has (schema_migration). */
export const INTERCEPT_SCHEMA: Schema = composeSchema([CATALOG_MIGRATIONS, INTERCEPT_MIGRATIONS]);
