/**
 * The capture journal's table (migration 9). Times are ms since the epoch.
 *
 * - capture_journal: how far each journal file (by name) has been moved into the queue. The offset is
 *   advanced in the same transaction that queues the records, so each record is queued exactly once
 *   whoever drains (the daemon, or `bonnie dealer --drain-spill` after it died). `finished` is set once the
 *   file's writer is gone and its last bytes were queued or quarantined: the file may then be removed.
 */
import type {Migration} from '../../base/catalog/migrations.js';

export const CAPTURE_SCHEMA_V9 = `
CREATE TABLE capture_journal (
  file       TEXT    PRIMARY KEY,
  drained_to INTEGER NOT NULL,
  records    INTEGER NOT NULL DEFAULT 0,
  finished   INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
  updated_at INTEGER NOT NULL
) STRICT;
`;

/** This domain's migrations (src/lib/cli/schema.ts puts every domain's in one list). Never edit a released one. */
export const CAPTURE_MIGRATIONS: readonly Migration[] = [
  {version: 9, name: 'capture: how far each capture journal file was moved into the queue', sql: CAPTURE_SCHEMA_V9},
];
