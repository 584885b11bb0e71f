/**
 * Numbered schema migrations, oldest first. Each domain owns its SQL; this list only orders them.
 * Never edit a released migration: add a new one.
 */
import {ARCHIVE_SCHEMA_V4} from '../../store/archive/index/schema.js';
import {GAPS_SCHEMA_V2, GAPS_SCHEMA_V11, GAPS_SCHEMA_V12} from '../../pipeline/capture/gaps-schema.js';
import {CAPTURE_SCHEMA_V9} from '../../pipeline/capture/journal-schema.js';
import {COLLECT_SCHEMA_V5} from '../../pipeline/collect/schema.js';
import {QUEUE_SCHEMA_V1, QUEUE_SCHEMA_V8, QUEUE_SCHEMA_V10} from '../../pipeline/queue/schema.js';
import {PROCESS_SCHEMA_V3, RECORD_SCHEMA_V3} from '../../pipeline/record/schema.js';
import {SEARCH_SCHEMA_V7} from '../../read/search/schema.js';
import {SNAPSHOT_SCHEMA_V6} from '../../pipeline/snapshot/schema.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const CATALOG_SCHEMA_V1 = `
CREATE TABLE schema_migration (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at INTEGER NOT NULL -- ms since the epoch
) STRICT;
`;

export const MIGRATIONS: readonly Migration[] = [
  {version: 1, name: 'queue: notifications, jobs, quarantine, spill', sql: CATALOG_SCHEMA_V1 + QUEUE_SCHEMA_V1},
  {version: 2, name: 'gaps: mailbox counters, gaps, reconcile jobs', sql: GAPS_SCHEMA_V2},
  {version: 3, name: 'record: people, sessions, folders, messages, changelog; evidence chain', sql: RECORD_SCHEMA_V3 + PROCESS_SCHEMA_V3},
  {version: 4, name: 'archive: segments, blobs (the archive index), archive lock', sql: ARCHIVE_SCHEMA_V4},
  {version: 5, name: 'collect: message jobs (and their links to blobs), scan watermark', sql: COLLECT_SCHEMA_V5},
  {version: 6, name: 'snapshot: folder snapshots, their messages, links of archived messages to blobs', sql: SNAPSHOT_SCHEMA_V6},
  {version: 7, name: 'search: full-text index of archived messages, their places and flags', sql: SEARCH_SCHEMA_V7},
  {version: 8, name: 'queue: crashes of the run counted apart from a job\'s own failures', sql: QUEUE_SCHEMA_V8},
  {version: 9, name: 'capture: how far each capture journal file was moved into the queue', sql: CAPTURE_SCHEMA_V9},
  {version: 10, name: 'queue: quarantine resolutions and an immutable log of what operators re-queued', sql: QUEUE_SCHEMA_V10},
  {version: 11, name: 'gaps: open UID gaps by their upper end', sql: GAPS_SCHEMA_V11},
  {version: 12, name: 'gaps: a gap can end reconciled (its folder re-read whole)', sql: GAPS_SCHEMA_V12},
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
