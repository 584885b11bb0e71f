/** Helpers for tests of the record: specimens into a catalog, and a canonical dump to compare catalogs. */
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import type {Db} from '../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../src/lib/pipeline/queue/ingest.js';
import {SPECIMENS} from './paths.js';

export const SPECIMEN_FILES = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();

/** The specimen with this 1-based number, as Cyrus sent it. */
export const specimen = (number: number): Buffer => readFileSync(join(SPECIMENS, SPECIMEN_FILES[number - 1] as string));

/** A specimen's JSON with some fields replaced (to build events Cyrus would send in other situations). */
export function variant(number: number, fields: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({...(JSON.parse(specimen(number).toString()) as object), ...fields}));
}

/** Queues notifications (specimen numbers or raw bytes) in the given order. */
export function deliver(db: Db, items: Array<number | Buffer>): void {
  new Ingester(db).ingest(items.map((item, i) => ({raw: typeof item === 'number' ? specimen(item) : item, receivedAt: 1_000_000 + i, source: 'stdin' as const})));
}

/** Tables `bonnie process` writes, with the columns that depend on the clock (not the events) left out. */
const RECORD_TABLES: Record<string, string> = {
  person: '*',
  person_version: '*',
  session: '*',
  folder: '*',
  folder_version: '*',
  message: '*',
  placement: '*',
  change: '*',
  evidence_chain: 'seq, notification_id, hex(hash)',
  mailbox_counter: '*',
  gap: 'id, mailbox_id, mailbox_name, kind, range_from, range_to, noticed_by, state, closed_reason',
  job: 'notification_id, state',
};

/** Every row of the record, in a stable order: equal dumps mean equal records. */
export function canonicalDump(db: Db): string {
  return Object.entries(RECORD_TABLES)
    .map(([table, columns]) => `${table}\n${JSON.stringify(db.prepare(`SELECT ${columns} FROM ${table} ORDER BY 1`).raw().all())}`)
    .join('\n');
}
