/**
 * Every domain's migrations in one schema, set for the catalog as soon as this module is loaded: the base
 * command imports it (every command), and so does the per-event dealer's entry (cli/dealer-entry.ts).
 * It lives at the top of the import graph because it is the one module that knows every domain.
 * The order of the lists matters only within a version shared by two domains (version 1: the catalog's
 * table, then the queue's; version 3 is the record's alone).
 */
import {CATALOG_MIGRATIONS, composeSchema, useSchema} from '../base/catalog/migrations.js';
import {CAPTURE_MIGRATIONS} from '../pipeline/capture/journal-schema.js';
import {GAPS_MIGRATIONS} from '../pipeline/capture/gaps-schema.js';
import {COLLECT_MIGRATIONS} from '../pipeline/collect/schema.js';
import {DLP_MIGRATIONS} from '../pipeline/dlp/schema.js';
import {QUEUE_MIGRATIONS} from '../pipeline/queue/schema.js';
import {MAILLOG_MIGRATIONS} from '../pipeline/maillog/schema.js';
import {RETENTION_MIGRATIONS} from '../pipeline/retention/schema.js';
import {RECORD_MIGRATIONS} from '../pipeline/record/schema.js';
import {SNAPSHOT_MIGRATIONS} from '../pipeline/snapshot/schema.js';
import {SEARCH_MIGRATIONS} from '../read/search/schema.js';
import {ARCHIVE_MIGRATIONS} from '../store/archive/index/schema.js';

export const CATALOG_SCHEMA = composeSchema([
  CATALOG_MIGRATIONS,
  QUEUE_MIGRATIONS,
  GAPS_MIGRATIONS,
  RECORD_MIGRATIONS,
  ARCHIVE_MIGRATIONS,
  COLLECT_MIGRATIONS,
  SNAPSHOT_MIGRATIONS,
  SEARCH_MIGRATIONS,
  CAPTURE_MIGRATIONS,
  MAILLOG_MIGRATIONS,
  DLP_MIGRATIONS,
  RETENTION_MIGRATIONS,
]);

useSchema(CATALOG_SCHEMA);
