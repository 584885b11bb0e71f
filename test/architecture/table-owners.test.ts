/**
 * Issue 14: each table has one owning module, the only place its name appears in SQL; others call its
 * methods. This test reads every CREATE TABLE under src/lib, and every SQL literal (a string or template
 * with SELECT/INSERT/UPDATE/DELETE/FROM/JOIN/INTO) in src/lib, and fails when a table is named outside its
 * owner. Today's violations are listed in KNOWN: a new one fails, and so does a KNOWN one that no longer
 * happens, so the list only shrinks.
 */
import {dirname} from 'node:path';
import {describe, expect, it} from 'vitest';
import {listTs, tablesCreatedBy, tablesUsedBy} from './source-scan.js';

/**
 * Owner of each table: the module file(s) allowed to name it in SQL, besides the schema file that declares
 * it (its migrations). Started from who declares it: the files of the declaring folder that query it.
 */
const OWNERS: Record<string, readonly string[]> = {
  schema_migration: ['src/lib/catalog/catalog.ts'],
  // queue
  notification: ['src/lib/queue/ingest.ts', 'src/lib/queue/job-admin.ts', 'src/lib/queue/jobs.ts', 'src/lib/queue/notifications.ts', 'src/lib/queue/quarantine.ts', 'src/lib/queue/stats.ts'],
  job: ['src/lib/queue/ingest.ts', 'src/lib/queue/job-admin.ts', 'src/lib/queue/jobs.ts', 'src/lib/queue/quarantine.ts', 'src/lib/queue/stats.ts'],
  quarantine: ['src/lib/queue/ingest.ts', 'src/lib/queue/quarantine.ts', 'src/lib/queue/stats.ts'],
  queue_action: ['src/lib/queue/actions.ts'],
  // Which spill files are already in the queue: claimed in the transaction that queues their content.
  spill_drained: ['src/lib/queue/ingest.ts'],
  // capture
  capture_journal: ['src/lib/capture/journal-drain.ts'],
  mailbox_counter: ['src/lib/capture/gaps.ts'],
  gap: ['src/lib/capture/gaps.ts', 'src/lib/capture/reconcile-jobs.ts'],
  gap_v12: ['src/lib/capture/gaps-schema.ts'],
  gap_scan: ['src/lib/capture/gaps.ts'],
  reconcile_job: ['src/lib/capture/gaps.ts', 'src/lib/capture/reconcile-jobs.ts'],
  // record
  person: ['src/lib/record/people.ts'],
  person_version: ['src/lib/record/people.ts'],
  session: ['src/lib/record/sessions.ts'],
  folder: ['src/lib/record/folders.ts'],
  // messages.ts: a placement found by a name its folder had then (one join inside the record).
  folder_version: ['src/lib/record/folders.ts', 'src/lib/record/messages.ts'],
  message: ['src/lib/record/messages.ts'],
  placement: ['src/lib/record/changes.ts', 'src/lib/record/messages.ts'],
  change: ['src/lib/record/changes.ts', 'src/lib/record/messages.ts'],
  // process (declared in record/schema.ts: see MISPLACED)
  process_lock: ['src/lib/process/lock.ts'],
  evidence_chain: ['src/lib/process/chain.ts'],
  // archive
  segment: ['src/lib/archive/index/repository.ts'],
  blob: ['src/lib/archive/index/repository.ts'],
  archive_lock: ['src/lib/archive/index/lock.ts'],
  // collect
  collect_job: ['src/lib/collect/jobs.ts'],
  collect_scan: ['src/lib/collect/jobs.ts'],
  // snapshot
  snapshot: ['src/lib/snapshot/repository.ts'],
  snapshot_message: ['src/lib/snapshot/repository.ts'],
  message_link: ['src/lib/snapshot/repository.ts'],
  // search
  search_doc: ['src/lib/search/plan.ts', 'src/lib/search/search-index.ts'],
  search_fts: ['src/lib/search/compile.ts', 'src/lib/search/plan.ts', 'src/lib/search/search-index.ts'],
  search_folder: ['src/lib/search/compile.ts', 'src/lib/search/plan.ts', 'src/lib/search/search-index.ts'],
  search_item: ['src/lib/search/plan.ts', 'src/lib/search/search-index.ts', 'src/lib/search/update.ts'],
  search_flag: ['src/lib/search/plan.ts', 'src/lib/search/search-index.ts'],
  search_state: ['src/lib/search/search-index.ts'],
  search_segment: ['src/lib/search/search-index.ts'],
};

/** Tables whose CREATE TABLE sits outside their owner's folder (released migrations: they stay). */
const MISPLACED: ReadonlyArray<readonly [table: string, declaredIn: string]> = [
  ['evidence_chain', 'src/lib/record/schema.ts'],
  ['process_lock', 'src/lib/record/schema.ts'],
];

/** Violations today, one line each: [file, table]. Remove a line when its fix lands; never add one. */
const KNOWN: ReadonlyArray<readonly [file: string, table: string]> = [
  ['src/lib/archive/index/archived-messages.ts', 'collect_job'],
  ['src/lib/archive/index/archived-messages.ts', 'snapshot'],
  ['src/lib/catalog/integrity.ts', 'blob'],
  ['src/lib/catalog/integrity.ts', 'collect_job'],
  ['src/lib/catalog/integrity.ts', 'message_link'],
  ['src/lib/discovery/audit.ts', 'session'],
  ['src/lib/discovery/folder-history.ts', 'change'],
  ['src/lib/discovery/folder-history.ts', 'folder'],
  ['src/lib/discovery/folder-history.ts', 'folder_version'],
  ['src/lib/discovery/folder-history.ts', 'message'],
  ['src/lib/discovery/folder-history.ts', 'placement'],
  ['src/lib/discovery/message-history.ts', 'message'],
  ['src/lib/discovery/message-history.ts', 'placement'],
  ['src/lib/discovery/sessions.ts', 'change'],
  ['src/lib/discovery/sessions.ts', 'session'],
  ['src/lib/discovery/timeline.ts', 'message'],
  ['src/lib/discovery/timeline.ts', 'placement'],
  ['src/lib/discovery/user-history.ts', 'change'],
  ['src/lib/groupware/object-candidates.ts', 'blob'],
  ['src/lib/groupware/object-candidates.ts', 'search_doc'],
  ['src/lib/groupware/object-candidates.ts', 'search_fts'],
  ['src/lib/groupware/object-candidates.ts', 'search_segment'],
  ['src/lib/groupware/object-candidates.ts', 'search_state'],
  ['src/lib/groupware/object-candidates.ts', 'segment'],
  ['src/lib/groupware/object-places.ts', 'blob'],
  ['src/lib/groupware/object-places.ts', 'change'],
  ['src/lib/groupware/object-places.ts', 'collect_job'],
  ['src/lib/groupware/object-places.ts', 'message'],
  ['src/lib/groupware/object-places.ts', 'placement'],
  ['src/lib/groupware/object-places.ts', 'snapshot'],
  ['src/lib/groupware/object-places.ts', 'snapshot_message'],
  ['src/lib/restore/state-at.ts', 'change'],
  ['src/lib/restore/state-at.ts', 'folder_version'],
  ['src/lib/restore/state-at.ts', 'message'],
  ['src/lib/restore/state-at.ts', 'placement'],
  ['src/lib/restore/state-at.ts', 'snapshot'],
  ['src/lib/restore/state-at.ts', 'snapshot_message'],
  ['src/lib/search/facts.ts', 'change'],
  ['src/lib/search/facts.ts', 'collect_job'],
  ['src/lib/search/facts.ts', 'folder'],
  ['src/lib/search/facts.ts', 'folder_version'],
  ['src/lib/search/facts.ts', 'placement'],
  ['src/lib/search/facts.ts', 'snapshot'],
  ['src/lib/search/facts.ts', 'snapshot_message'],
  ['src/lib/search/schema.ts', 'blob'], // released migration 7 (backfill): stays
  ['src/lib/search/update.ts', 'blob'],
  ['src/lib/search/update.ts', 'change'],
  ['src/lib/search/update.ts', 'collect_job'],
  ['src/lib/search/update.ts', 'message_link'],
  ['src/lib/search/update.ts', 'placement'],
  ['src/lib/search/update.ts', 'segment'],
  ['src/lib/search/update.ts', 'snapshot'],
  ['src/lib/snapshot/schema.ts', 'collect_job'], // released migration 6 (backfill): stays
];

const LIB = listTs('src/lib');

function declarations(): Map<string, string> {
  const declared = new Map<string, string>();
  for (const file of LIB) for (const table of tablesCreatedBy(file)) if (!declared.has(table)) declared.set(table, file);
  return declared;
}

function violations(declared: Map<string, string>): string[] {
  const tables = new Set(declared.keys());
  const out: string[] = [];
  for (const file of LIB) {
    for (const table of tablesUsedBy(file, tables)) {
      if (file === declared.get(table) || OWNERS[table]?.includes(file)) continue;
      out.push(`${file} ${table}`);
    }
  }
  return out.sort();
}

describe('table owners (issue 14)', () => {
  const declared = declarations();

  it('finds the catalog tables and names an owner for each of them', () => {
    // The parser must see the tables we know exist, or every other assertion here is vacuous.
    expect(declared.get('notification')).toBe('src/lib/queue/schema.ts');
    expect(declared.get('reconcile_job')).toBe('src/lib/capture/gaps-schema.ts');
    expect(declared.get('search_fts')).toBe('src/lib/search/schema.ts');
    expect([...declared.keys()].sort()).toEqual(Object.keys(OWNERS).sort());
    for (const owners of Object.values(OWNERS)) for (const owner of owners) expect(LIB).toContain(owner);
  });

  it('declares each table in its owner\'s folder (but the known misplaced ones)', () => {
    const misplaced = [...declared]
      .filter(([table, file]) => !(OWNERS[table] ?? []).some((owner) => dirname(owner) === dirname(file)))
      .map(([table, file]) => [table, file] as const);
    expect(misplaced.sort()).toEqual([...MISPLACED].sort());
  });

  it('names a table in SQL only inside its owner (KNOWN only shrinks)', () => {
    const found = violations(declared);
    const known = KNOWN.map(([file, table]) => `${file} ${table}`).sort();
    const files = new Set(found.map((v) => v.split(' ')[0]));
    console.error(`table owners: ${declared.size} tables, ${found.length} violations in ${files.size} files (KNOWN ${known.length})`);
    expect(found.filter((v) => !known.includes(v)), 'new: call the owner\'s method instead').toEqual([]);
    expect(known.filter((v) => !found.includes(v)), 'fixed: remove these lines from KNOWN').toEqual([]);
  });

  it('sees a table named in a template literal outside its owner', () => {
    // The scanner itself: a query in a template with a placeholder and a join must be found.
    const tables = new Set(['message', 'placement']);
    expect([...tablesUsedBy('test/architecture/fixtures/query.ts', tables)].sort()).toEqual(['message', 'placement']);
  });
});
