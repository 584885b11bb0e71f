/**
 * How reconcile jobs and gaps end (issue 13, items 2 and 3), against a spool on disk and :memory:-like
 * file catalogs: a gap whose folder was re-read ends `reconciled` and `bonnie status` stops warning; a job
 * for a folder the catalog knows was deleted ends `cancelled` with the reason, its gaps closed; migration 12
 * keeps every gap and every job's link to its gap. Renames followed by mailboxID over IMAP run against the
 * real Cyrus in test/live/reconcile-fate.test.ts.
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {CATALOG_SCHEMA} from '../../../../src/lib/cli/schema.js';
import {listGaps} from '../../../../src/lib/pipeline/capture/gaps.js';
import {collect} from '../../../../src/lib/pipeline/collect/collector.js';
import {CollectJobs} from '../../../../src/lib/pipeline/collect/jobs.js';
import {ReconcileJobs} from '../../../../src/lib/pipeline/capture/reconcile-jobs.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {readStatus} from '../../../../src/lib/read/status/status.js';
import {SPECIMENS} from '../../../helpers/paths.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from '../../store/archive/helpers.js';
import {makeMail} from '../../store/archive/mail.js';
import {writeMailbox} from '../../sources/cyrus/cyrus-spool.js';

const tempDir = useTempDirs();
const T0 = Date.UTC(2026, 0, 1);
const GAPPY = 'g4ppy0000000000000000001';
/** user.alice.Trash in the specimens: created, then deleted (62-MailboxDelete.json). */
const TRASH = 'eccjgkx7t05rcf2pib64ekhc';
const specimen = (file: string) => ({raw: readFileSync(join(SPECIMENS, file)), receivedAt: 1000, source: 'stdin' as const});

function setUp(): {catalog: Catalog; archiveDir: string; spool: string; dir: string} {
  const dir = tempDir();
  const {catalog, archiveDir} = makeArchive(dir);
  new Ingester(catalog.db).ingest([specimen('01-Login.json')]);
  return {catalog, archiveDir, spool: join(dir, 'mail'), dir};
}

/** A gap in `mailboxId` and (unless the folder already has one waiting) its reconcile job, as gap detection leaves them. */
function openGap(catalog: Catalog, mailboxId: string, name: string, from: number): number {
  const gap = catalog.db
    .prepare<[string, string, number, number, number], {id: number}>("INSERT INTO gap (mailbox_id, mailbox_name, kind, range_from, range_to, noticed_at, noticed_by, state) VALUES (?, ?, 'uid', ?, ?, ?, 1, 'open') RETURNING id")
    .get(mailboxId, name, from, from, T0) as {id: number};
  catalog.db
    .prepare("INSERT INTO reconcile_job (mailbox_id, mailbox_name, gap_id, reason, created_at, updated_at) VALUES (?, ?, ?, 'uid gap', ?, ?) ON CONFLICT DO NOTHING")
    .run(mailboxId, name, gap.id, T0, T0);
  return gap.id;
}

const healthCodes = (catalog: Catalog, dir: string) => readStatus(catalog, join(dir, 'spill'), T0).health.reasons.map((r) => r.code);

describe('a gap whose folder the collector re-read', () => {
  it('ends reconciled, is no longer listed as open, and bonnie status stops warning about it', async () => {
    const {catalog, archiveDir, spool, dir} = setUp();
    writeMailbox(spool, {mailboxId: GAPPY, name: 'user.alice.Gappy', uidValidity: 77, messages: [1, 2].map((uid) => ({uid, bytes: makeMail(`m${uid}`, 2000)}))});
    const first = openGap(catalog, GAPPY, 'user.alice.Gappy', 1);
    const second = openGap(catalog, GAPPY, 'user.alice.Gappy', 2); // no job of its own: one pending per folder
    expect(readStatus(catalog, join(dir, 'spill'), T0).gaps).toMatchObject({open: 2, reconciled: 0});
    expect(healthCodes(catalog, dir)).toContain('GapsOpen');

    const summary = await collect(catalog, {archiveDir, spool, now: () => T0 + 5});
    expect(summary.reconcile).toMatchObject({done: 1, gapsReconciled: 2, cancelled: 0, collected: 2});
    expect(listGaps(catalog.db)).toEqual([]);
    const all = listGaps(catalog.db, {includeClosed: true});
    expect(all.map((g) => [g.id, g.state, g.closedAt])).toEqual([
      [second, 'reconciled', new Date(T0 + 5).toISOString()],
      [first, 'reconciled', new Date(T0 + 5).toISOString()],
    ]);
    expect(all[0]?.closedReason).toMatch(/^reconcile job \d+ re-read the folder and archived what it held$/);
    expect(readStatus(catalog, join(dir, 'spill'), T0).gaps).toMatchObject({open: 0, reconciled: 2, reconcilePending: 0});
    expect(healthCodes(catalog, dir)).not.toContain('GapsOpen');
    catalog.close();
  });

  it('settles only the gaps noticed before the folder was read: a later one stays open', () => {
    const {catalog} = setUp();
    const before = openGap(catalog, GAPPY, 'user.alice.Gappy', 1);
    const jobs = new ReconcileJobs(catalog.db);
    const upTo = jobs.lastOpenGap(GAPPY);
    const during = openGap(catalog, GAPPY, 'user.alice.Gappy', 5);
    expect(jobs.markDone([jobs.list()[0]?.id as number], T0, {mailboxId: GAPPY, upTo})).toBe(1);
    expect(listGaps(catalog.db, {includeClosed: true}).map((g) => [g.id, g.state])).toEqual([
      [during, 'open'],
      [before, 'reconciled'],
    ]);
    catalog.close();
  });
});

describe('jobs for a folder deleted before the collector got to it', () => {
  it('end cancelled with the reason (MailboxDelete), close the folder\'s gaps, and bonnie status does not report them', async () => {
    const {catalog, archiveDir, spool, dir} = setUp();
    writeMailbox(spool, {mailboxId: GAPPY, name: 'user.alice.Gappy', uidValidity: 77, messages: []});
    new Ingester(catalog.db).ingest([specimen('62-MailboxDelete.json')]);
    const gap = openGap(catalog, TRASH, 'user.alice.Trash', 3);

    // Retried for good before: the folder is in no partition and imap_url is not set. Now: cancelled, at once.
    const summary = await collect(catalog, {archiveDir, spool, maxAttempts: 5, now: () => T0});
    expect(summary.reconcile).toMatchObject({done: 0, cancelled: 1, failed: 0, dead: 0, remaining: 0});
    const notification = catalog.db.prepare<[], {id: number}>("SELECT id FROM notification WHERE event_type = 'MailboxDelete'").get()?.id;
    expect(new ReconcileJobs(catalog.db).list()).toEqual([
      expect.objectContaining({mailboxId: TRASH, state: 'cancelled', attempts: 0, lastError: `the folder was deleted (notification ${notification}, MailboxDelete)`}),
    ]);
    expect(listGaps(catalog.db, {includeClosed: true})).toEqual([
      expect.objectContaining({id: gap, state: 'closed', closedReason: `the folder was deleted (notification ${notification}, MailboxDelete) before it could be re-read: what the lost events announced is not archived`}),
    ]);
    const status = readStatus(catalog, join(dir, 'spill'), T0);
    expect(status.gaps).toMatchObject({open: 0, reconcilePending: 0, reconcileFailed: 0, reconcileDead: 0});
    // (The MailboxDelete itself waits for bonnie process: a backlog, nothing about gaps or reconciling.)
    expect(status.health.reasons.map((r) => r.code).filter((c) => /Gap|Reconcile/.test(c))).toEqual([]);
    catalog.close();
  });

  it('end cancelled when only the record knows (a parent deleted with its children sends no event for them)', async () => {
    const {catalog, archiveDir, spool} = setUp();
    writeMailbox(spool, {mailboxId: GAPPY, name: 'user.alice.Gappy', uidValidity: 77, messages: []});
    catalog.db.prepare("INSERT INTO folder (mailbox_id, owner_login, deleted_at) VALUES ('child0000000000000000001', 'alice', ?)").run(Date.parse('2026-01-01T00:00:00.000Z'));
    new ReconcileJobs(catalog.db).queueFolder('child0000000000000000001', 'user.alice.Parent.Child', 'MailboxCreate: snapshot with folder metadata', T0);
    expect(new CollectJobs(catalog.db).knownFolder('child0000000000000000001')).toEqual({name: undefined, deleted: 'deleted at 2026-01-01T00:00:00.000Z (the record)'});

    expect((await collect(catalog, {archiveDir, spool, now: () => T0})).reconcile).toMatchObject({cancelled: 1, failed: 0});
    expect(new ReconcileJobs(catalog.db).list()).toEqual([expect.objectContaining({state: 'cancelled', lastError: 'the folder was deleted at 2026-01-01T00:00:00.000Z (the record)'})]);
    catalog.close();
  });

  it('still re-read a deleted folder the spool holds: what the gap lost is archived, the gap reconciled', async () => {
    const {catalog, archiveDir, spool} = setUp();
    new Ingester(catalog.db).ingest([specimen('62-MailboxDelete.json')]);
    // Delayed delete: the files stay on the partition under the same mailboxID until cyr_expire.
    writeMailbox(spool, {mailboxId: TRASH, name: 'DELETED.user.alice.Trash.6A3B2C1D', uidValidity: 9, messages: [{uid: 3, bytes: makeMail('lost', 2000)}]});
    openGap(catalog, TRASH, 'user.alice.Trash', 3);
    expect((await collect(catalog, {archiveDir, spool, now: () => T0})).reconcile).toMatchObject({done: 1, cancelled: 0, gapsReconciled: 1, collected: 1});
    expect(listGaps(catalog.db, {includeClosed: true})).toEqual([expect.objectContaining({state: 'reconciled'})]);
    catalog.close();
  });
});

describe('migration 12', () => {
  it('rebuilds the gap table with the reconciled state, keeping every gap and every reconcile job\'s link to its gap', () => {
    const path = join(tempDir(), 'v11.db');
    const raw = new Database(path);
    raw.pragma('foreign_keys = ON');
    for (const m of CATALOG_SCHEMA.migrations.filter((m) => m.version <= 11)) {
      raw.transaction(() => {
        raw.exec(m.sql);
        raw.prepare('INSERT INTO schema_migration (version, name, applied_at) VALUES (?, ?, 0)').run(m.version, m.name);
        raw.pragma(`user_version = ${m.version}`);
      })();
    }
    raw.prepare("INSERT INTO notification (sha256, raw, received_at, source, event_type, last_delivered_at) VALUES (zeroblob(32), x'7b7d', 1, 'stdin', 'MessageAppend', 1)").run();
    raw.exec(`INSERT INTO gap (id, mailbox_id, mailbox_name, kind, range_from, range_to, noticed_at, noticed_by, state, closed_at, closed_reason)
              VALUES (7, 'm1', 'user.a', 'uid', 2, 3, 10, 1, 'open', NULL, NULL), (8, 'm1', 'user.a', 'modseq', 5, 5, 11, 1, 'closed', 12, 'late'),
                     (9, 'm3', 'user.c', 'uid', 4, 4, 20, 1, 'open', NULL, NULL)`);
    // m3's gap was re-read by its job before this migration: it must not stay open for good.
    raw.exec(`INSERT INTO reconcile_job (mailbox_id, mailbox_name, gap_id, reason, state, created_at, updated_at)
              VALUES ('m1', 'user.a', 7, 'uid gap 2-3', 'pending', 10, 10), ('m2', 'user.b', NULL, 'MailboxCreate', 'pending', 10, 10), ('m3', 'user.c', 9, 'uid gap 4-4', 'done', 20, 30)`);
    expect(() => raw.exec("UPDATE gap SET state = 'reconciled' WHERE id = 7")).toThrow(/CHECK constraint failed/);
    raw.close();

    const catalog = openCatalog(path);
    expect(catalog.schemaVersion).toBeGreaterThanOrEqual(12);
    expect(catalog.db.prepare('SELECT id, state, closed_at, closed_reason FROM gap ORDER BY id').all()).toEqual([
      {id: 7, state: 'open', closed_at: null, closed_reason: null},
      {id: 8, state: 'closed', closed_at: 12, closed_reason: 'late'},
      {id: 9, state: 'reconciled', closed_at: 30, closed_reason: 'its folder was re-read by a reconcile job done before this state existed (migration 12)'},
    ]);
    expect(catalog.db.prepare('SELECT mailbox_id, gap_id FROM reconcile_job ORDER BY id').all()).toEqual([
      {mailbox_id: 'm1', gap_id: 7},
      {mailbox_id: 'm2', gap_id: null},
      {mailbox_id: 'm3', gap_id: 9},
    ]);
    expect(catalog.db.pragma('foreign_key_check')).toEqual([]);
    catalog.db.exec("UPDATE gap SET state = 'reconciled' WHERE id = 7");
    expect(() => catalog.db.exec("UPDATE gap SET state = 'settled' WHERE id = 7")).toThrow(/CHECK constraint failed/);
    // A job still refers to the rebuilt table: a gap it names cannot vanish.
    expect(() => catalog.db.exec('DELETE FROM gap WHERE id = 7')).toThrow(/FOREIGN KEY constraint failed/);
    const indexes = catalog.db.prepare<[], {name: string}>("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'gap' ORDER BY name").all().map((r) => r.name);
    expect(indexes).toEqual(expect.arrayContaining(['gap_open_by_mailbox', 'gap_open_uid_by_end']));
    catalog.close();
  });
});
