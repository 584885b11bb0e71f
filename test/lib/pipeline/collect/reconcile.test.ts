/**
 * The collector's reconcile jobs against a spool on disk (no Cyrus): a gap's folder re-read whole and
 * snapshotted, a renamed folder found by its mailbox id, failures retried and then dead, and the folder
 * jobs the scan queues for folder metadata. The IMAP side runs against the real Cyrus in
 * test/live/collector-imap.test.ts.
 */
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {ArchiveReader} from '../../../../src/lib/store/archive/store.js';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {collect} from '../../../../src/lib/pipeline/collect/collector.js';
import {scanForJobs} from '../../../../src/lib/pipeline/collect/jobs.js';
import {RECONCILE_RETRY_STEP_MS, ReconcileJobs, type ReconcileJob} from '../../../../src/lib/pipeline/capture/reconcile-jobs.js';
import {planReconcile} from '../../../../src/lib/pipeline/collect/reconcile.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {SPECIMENS} from '../../../helpers/paths.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from '../../store/archive/helpers.js';
import {makeMail} from '../../store/archive/mail.js';
import {writeMailbox} from '../../sources/cyrus/cyrus-spool.js';

const tempDir = useTempDirs();
const GAPPY = 'g4ppy0000000000000000001';
const T0 = Date.UTC(2026, 0, 1);
const files = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();

/** A catalog with one notification (a gap must name the one that revealed it) and an empty spool. */
function setUp(): {catalog: Catalog; archiveDir: string; spool: string} {
  const dir = tempDir();
  const {catalog, archiveDir} = makeArchive(dir);
  new Ingester(catalog.db).ingest([{raw: readFileSync(join(SPECIMENS, files[0] as string)), receivedAt: 1000, source: 'stdin'}]);
  return {catalog, archiveDir, spool: join(dir, 'mail')};
}

/** A gap in `mailboxId` and its reconcile job, as gap detection leaves them. */
function queueGap(catalog: Catalog, mailboxId: string, name: string): void {
  const gap = catalog.db
    .prepare<[string, string, number], {id: number}>("INSERT INTO gap (mailbox_id, mailbox_name, kind, range_from, range_to, noticed_at, noticed_by, state) VALUES (?, ?, 'uid', 2, 3, ?, 1, 'open') RETURNING id")
    .get(mailboxId, name, T0) as {id: number};
  catalog.db.prepare("INSERT INTO reconcile_job (mailbox_id, mailbox_name, gap_id, reason, created_at, updated_at) VALUES (?, ?, ?, 'uid gap 2-3', ?, ?)").run(mailboxId, name, gap.id, T0, T0);
}

const messages = [1, 2, 3, 4].map((uid) => ({uid, bytes: makeMail(`gap${uid}`, 3000), expunged: uid === 4}));

function snapshots(catalog: Catalog, mailboxId: string) {
  return catalog.db.prepare<[string], {mailbox_name: string; source: string; messages: number}>('SELECT mailbox_name, source, messages FROM snapshot WHERE mailbox_id = ? ORDER BY id').all(mailboxId);
}

describe('reconcile jobs', () => {
  it("re-read a gap's folder from the spool: every message archived (the expunged one too), a snapshot recorded, the job done", async () => {
    const {catalog, archiveDir, spool} = setUp();
    writeMailbox(spool, {mailboxId: GAPPY, name: 'user.alice.Gappy', uidValidity: 77, messages});
    queueGap(catalog, GAPPY, 'user.alice.Gappy');

    const summary = await collect(catalog, {archiveDir, spool, now: () => T0});
    expect(summary.reconcile).toEqual({done: 1, cancelled: 0, gapsReconciled: 1, failed: 0, dead: 0, remaining: 0, snapshots: 1, collected: 4, alreadyStored: 0, unrecoverable: 0});
    expect(new ReconcileJobs(catalog.db).list()).toEqual([expect.objectContaining({state: 'done', attempts: 0, lastError: null})]);
    expect(snapshots(catalog, GAPPY)).toEqual([{mailbox_name: 'user.alice.Gappy', source: 'spool', messages: 4}]);
    const reader = new ArchiveReader(catalog, archiveDir);
    for (const m of messages) {
      const link = catalog.db.prepare<[string, number], {sha256: Buffer}>('SELECT sha256 FROM archived_message WHERE mailbox_id = ? AND uid = ?').get(GAPPY, m.uid);
      expect(reader.readBlob(link?.sha256 as Buffer).equals(m.bytes), `UID ${m.uid}`).toBe(true);
    }
    reader.close();

    // Another gap later: nothing to store, the folder unchanged, no second snapshot; still done.
    queueGap(catalog, GAPPY, 'user.alice.Gappy');
    expect((await collect(catalog, {archiveDir, spool, now: () => T0})).reconcile).toMatchObject({done: 1, snapshots: 0, collected: 0});
    catalog.close();
  });

  it('find a folder renamed since the gap by its mailbox id (the name in its cyrus.header)', async () => {
    const {catalog, archiveDir, spool} = setUp();
    writeMailbox(spool, {mailboxId: GAPPY, name: 'user.alice.Renamed', uidValidity: 77, messages});
    queueGap(catalog, GAPPY, 'user.alice.Gappy');
    expect((await collect(catalog, {archiveDir, spool, now: () => T0})).reconcile).toMatchObject({done: 1, snapshots: 1});
    expect(snapshots(catalog, GAPPY)).toEqual([{mailbox_name: 'user.alice.Renamed', source: 'spool', messages: 4}]);
    catalog.close();
  });

  it('fail with the reason when the folder cannot be read, wait a minute per attempt, and die after max_attempts', async () => {
    const {catalog, archiveDir, spool} = setUp();
    writeMailbox(spool, {mailboxId: 'other0000000000000000001', name: 'user.bob', uidValidity: 1, messages: []});
    queueGap(catalog, GAPPY, 'user.alice.Gappy');
    const run = async (at: number) => (await collect(catalog, {archiveDir, spool, maxAttempts: 2, now: () => at})).reconcile;
    const job = () => new ReconcileJobs(catalog.db).list()[0] as ReconcileJob;

    expect(await run(T0)).toMatchObject({done: 0, failed: 1, dead: 0, remaining: 1});
    expect(job()).toMatchObject({state: 'failed', attempts: 1, lastError: expect.stringMatching(/^folder g4ppy\w+ is in no partition \(.*\), and imap_url is not set to read it over IMAP$/)});
    expect(await run(T0 + RECONCILE_RETRY_STEP_MS - 1)).toMatchObject({failed: 0, dead: 0, remaining: 1});
    expect(await run(T0 + RECONCILE_RETRY_STEP_MS)).toMatchObject({failed: 0, dead: 1, remaining: 0});
    expect(job()).toMatchObject({state: 'dead', attempts: 2, lastError: expect.stringMatching(/^gave up after 2 attempts: folder g4ppy/)});
    catalog.close();
  });

  it('come after the message jobs, and run without a message to collect', async () => {
    const {catalog, archiveDir, spool} = setUp();
    writeMailbox(spool, {mailboxId: GAPPY, name: 'user.alice.Gappy', uidValidity: 77, messages});
    queueGap(catalog, GAPPY, 'user.alice.Gappy');
    const summary = await collect(catalog, {archiveDir, spool, now: () => T0});
    expect(summary).toMatchObject({collected: 0, remaining: 0, reconcile: {done: 1}});
    catalog.close();
  });
});

describe('where a reconcile job reads its folder', () => {
  const gapJob = {id: 1, mailboxId: GAPPY, mailboxName: 'user.alice.Gappy', gapId: 3, reason: 'uid gap', state: 'pending', attempts: 0, lastError: null} as const;
  const folderJob = {...gapJob, gapId: null, reason: 'MailboxCreate: snapshot with folder metadata'};
  const here = {kind: 'here', dir: '/spool/uuid/g/4/x'} as const;
  const away = {kind: 'unreachable', why: 'no-folder', detail: 'folder x is in no partition (/spool)'} as const;

  it('a gap: the spool when the folder is here (it also holds expunged messages), else IMAP', () => {
    expect(planReconcile([gapJob], here, true)).toEqual({kind: 'spool', dir: here.dir});
    expect(planReconcile([gapJob], here, false)).toEqual({kind: 'spool', dir: here.dir});
    expect(planReconcile([gapJob], away, true)).toEqual({kind: 'imap'});
    expect(planReconcile([gapJob], away, false)).toEqual({kind: 'none', reason: 'folder x is in no partition (/spool), and imap_url is not set to read it over IMAP'});
  });

  it('a new or renamed folder: IMAP, where its metadata is', () => {
    expect(planReconcile([folderJob], here, true)).toEqual({kind: 'imap'});
    expect(planReconcile([gapJob, folderJob], here, true)).toEqual({kind: 'imap'});
    expect(planReconcile([folderJob], here, false)).toEqual({kind: 'spool', dir: here.dir});
  });
});

describe('folder jobs from the scan', () => {
  it('queue one reconcile job per folder created or renamed, when folder metadata is configured', () => {
    const {catalog} = setUp();
    const raws = files.slice(1).map((f, i) => ({raw: readFileSync(join(SPECIMENS, f)), receivedAt: 2000 + i, source: 'stdin' as const}));
    new Ingester(catalog.db).ingest(raws);
    expect(scanForJobs(catalog.db, T0, {folderSnapshots: true})).toMatchObject({created: 13, folders: 6});
    // Projects' rename to Work, then to Job, finds its folder already waiting: one job per folder.
    expect(new ReconcileJobs(catalog.db).list().map((j) => [j.mailboxName, j.gapId, j.reason])).toEqual([
      ['user.alice', null, 'MailboxCreate: snapshot with folder metadata'],
      ['user.bob', null, 'MailboxCreate: snapshot with folder metadata'],
      ['user.alice.Projects', null, 'MailboxCreate: snapshot with folder metadata'],
      ['user.alice.Archive', null, 'MailboxCreate: snapshot with folder metadata'],
      ['user.alice.Trash', null, 'MailboxCreate: snapshot with folder metadata'],
      ['user.alice.Old', null, 'MailboxCreate: snapshot with folder metadata'],
    ]);
    catalog.close();
  });

  it('queue none without imap_url: folder metadata is read over IMAP', async () => {
    const {catalog, archiveDir, spool} = setUp();
    writeMailbox(spool, {mailboxId: GAPPY, name: 'user.alice.Gappy', uidValidity: 77, messages: []});
    new Ingester(catalog.db).ingest(files.slice(1).map((f, i) => ({raw: readFileSync(join(SPECIMENS, f)), receivedAt: 2000 + i, source: 'stdin' as const})));
    // Jobs for the specimens' messages, whose files this spool lacks: unrecoverable, no reconcile job.
    const summary = await collect(catalog, {archiveDir, spool, folderMetadata: ['/shared/comment'], now: () => T0});
    expect(summary.scan.folders).toBe(0);
    expect(new ReconcileJobs(catalog.db).list()).toEqual([]);
    catalog.close();
  });
});
