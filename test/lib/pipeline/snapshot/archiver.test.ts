/**
 * `bonnie archive` from the spool, end to end inside one process: the fixture's files on disk, a file
 * catalog and archive in a temp folder, and what an administrator checks afterwards: the summary, the
 * bytes read back from the archive, the snapshot rows against cyrus.index, the links.
 */
import {createHash} from 'node:crypto';
import {mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {ArchiveReader} from '../../../../src/lib/store/archive/reader.js';
import {ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {readMailboxHeader} from '../../../../src/lib/sources/cyrus/header-file.js';
import {readMailboxIndex} from '../../../../src/lib/sources/cyrus/index-file.js';
import {archiveFolders, type ArchiveProgress, type ArchiveSummary} from '../../../../src/lib/pipeline/snapshot/archiver.js';
import type {Selector} from '../../../../src/lib/pipeline/snapshot/source.js';
import {FILE_GONE, SpoolSource} from '../../../../src/lib/pipeline/snapshot/spool-source.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from '../../store/archive/helpers.js';
import {writeMailbox} from '../../sources/cyrus/cyrus-spool.js';
import {rejectedBonnieError} from './helpers.js';
import {ALICE, BOB, DAVE, FOLDERS, MAIL, SENT, folder, writeSite, type Site} from './spool-fixture.js';

const tempDir = useTempDirs();
const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');
const ALL: Selector = {kind: 'all'};
const ALL_BYTES = [...FOLDERS.main, ...FOLDERS.second].flatMap((f) => f.messages).reduce((sum, m) => sum + (m.bytes?.length ?? 0), 0);

interface Setup {
  site: Site;
  catalog: Catalog;
  archiveDir: string;
  warnings: string[];
  progress: ArchiveProgress[];
  run(selector?: Selector): Promise<ArchiveSummary>;
}

function setup(): Setup {
  const dir = tempDir();
  const site = writeSite(dir);
  const {catalog, archiveDir} = makeArchive(dir);
  const warnings: string[] = [];
  const progress: ArchiveProgress[] = [];
  const run = (selector: Selector = ALL) =>
    archiveFolders(catalog, new SpoolSource(site.roots), selector, {archiveDir, warn: (m) => warnings.push(m), onProgress: (p) => progress.push(p)});
  return {site, catalog, archiveDir, warnings, progress, run};
}

interface LinkRow {
  mailbox_id: string;
  uid_validity: number;
  uid: number;
  sha256: Buffer | null;
  reason: string | null;
  source: string;
}

const links = (catalog: Catalog): LinkRow[] =>
  catalog.db.prepare<[], LinkRow>('SELECT mailbox_id, uid_validity, uid, sha256, reason, source FROM message_link ORDER BY mailbox_id, uid').all();

const link = (catalog: Catalog, mailboxId: string, uid: number): LinkRow | undefined => links(catalog).find((l) => l.mailbox_id === mailboxId && l.uid === uid);

const count = (catalog: Catalog, table: string): number => (catalog.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as {n: number}).n;

/** The file bytes the fixture wrote for (mailbox, UID). */
function fixtureBytes(mailboxId: string, uid: number): Buffer | undefined {
  return [...FOLDERS.main, ...FOLDERS.second].find((f) => f.mailboxId === mailboxId)?.messages.find((m) => m.uid === uid)?.bytes;
}

describe('archiveFolders from the spool', () => {
  it('archives every folder of every partition: each message once, its exact bytes readable back', async () => {
    const {catalog, archiveDir, run, warnings, progress} = setup();
    const summary = await run();
    expect(summary).toEqual({
      source: 'spool',
      folders: 5,
      foldersUnchanged: 0,
      snapshots: 5,
      messages: 8,
      read: 8,
      stored: 6,
      alreadyStored: 2, // alice's Sent copy of her 1, and bob's copy of her 2
      alreadyArchived: 0,
      unrecoverable: 0,
      checksumMismatches: 0,
      bytesRead: ALL_BYTES,
      bytesStored: expect.any(Number) as number,
      elapsedMs: expect.any(Number) as number,
    });
    expect(summary.bytesStored).toBeGreaterThan(0);
    expect(warnings).toEqual([]);

    const rows = links(catalog);
    expect(rows).toHaveLength(8);
    const reader = new ArchiveReader(catalog, archiveDir);
    for (const row of rows) {
      expect(row, `${row.mailbox_id}/${row.uid}`).toMatchObject({reason: null, source: 'spool'});
      expect(reader.readBlob(row.sha256 as Buffer).equals(fixtureBytes(row.mailbox_id, row.uid) as Buffer), `${row.mailbox_id}/${row.uid}`).toBe(true);
    }
    reader.close();
    expect(count(catalog, 'blob')).toBe(6);
    expect(verifyArchive(catalog, archiveDir, {readData: true}).sound).toBe(true);
    expect(progress.at(-1)).toMatchObject({folderIndex: 5, folders: 5});
    catalog.close();
  });

  it("stores the same message in two users' folders once, both linked to it", async () => {
    const {catalog, run} = setup();
    await run();
    expect(link(catalog, BOB, 1)?.sha256).toEqual(link(catalog, ALICE, 2)?.sha256);
    expect(link(catalog, SENT, 1)?.sha256).toEqual(link(catalog, ALICE, 1)?.sha256);
    expect(link(catalog, BOB, 2)?.sha256).not.toEqual(link(catalog, ALICE, 2)?.sha256);
    catalog.close();
  });

  it('records snapshots equal to cyrus.index: UIDVALIDITY, HIGHESTMODSEQ, and per message flags, date, size, modseq, expunged', async () => {
    const {site, catalog, run} = setup();
    await run();
    const snapshots = catalog.db
      .prepare<[], {id: number; mailbox_id: string; mailbox_name: string; uid_validity: number; highest_modseq: number; source: string; messages: number; bytes: number; metadata: string | null}>(
        'SELECT id, mailbox_id, mailbox_name, uid_validity, highest_modseq, source, messages, bytes, metadata FROM snapshot ORDER BY mailbox_name',
      )
      .all();
    expect(snapshots.map((s) => s.mailbox_name)).toEqual(['DELETED.user.alice.Old.5F1234AB', 'user.alice', 'user.alice.Sent', 'user.bob', 'user.dave@example.com']);
    for (const snapshot of snapshots) {
      const dir = site.dir(snapshot.mailbox_id);
      const {header, records} = readMailboxIndex(join(dir, 'cyrus.index'), readMailboxHeader(join(dir, 'cyrus.header')).userFlags);
      expect(snapshot, snapshot.mailbox_name).toMatchObject({
        uid_validity: header.uidValidity,
        highest_modseq: Number(header.highestModseq),
        source: 'spool',
        messages: records.length,
        bytes: records.filter((r) => !r.expunged).reduce((sum, r) => sum + r.size, 0),
        metadata: null,
      });
      const rows = catalog.db.prepare('SELECT uid, flags, internal_date, size, modseq, expunged FROM snapshot_message WHERE snapshot_id = ? ORDER BY uid').all(snapshot.id);
      expect(rows, snapshot.mailbox_name).toEqual(
        records.map((r) => ({uid: r.uid, flags: r.flags.join(' '), internal_date: r.internalDate, size: r.size, modseq: Number(r.modseq), expunged: r.expunged ? 1 : 0})),
      );
    }
    // What the fixture says, not only what the index says: alice's expunged 3 is in, marked.
    expect(catalog.db.prepare("SELECT uid, flags, expunged FROM snapshot_message JOIN snapshot ON snapshot.id = snapshot_id WHERE mailbox_name = 'user.alice' ORDER BY uid").all()).toEqual([
      {uid: 1, flags: '\\Seen', expunged: 0},
      {uid: 2, flags: '\\Flagged custom1', expunged: 0},
      {uid: 3, flags: '\\Deleted \\Seen', expunged: 1},
    ]);
    catalog.close();
  });

  it.each<[string, Selector, string[]]>([
    ['--user alice (her deleted folder included)', {kind: 'user', login: 'alice'}, ['DELETED.user.alice.Old.5F1234AB', 'user.alice', 'user.alice.Sent']],
    ['--user dave@example.com', {kind: 'user', login: 'dave@example.com'}, ['user.dave@example.com']],
    ['--mailbox user.dave@example.com', {kind: 'mailbox', name: 'user.dave@example.com'}, ['user.dave@example.com']],
    ['--mailbox user.alice.Sent', {kind: 'mailbox', name: 'user.alice.Sent'}, ['user.alice.Sent']],
  ])('%s archives and snapshots only those folders', async (_, selector, names) => {
    const {catalog, run} = setup();
    const summary = await run(selector);
    expect(summary).toMatchObject({folders: names.length, snapshots: names.length});
    expect(catalog.db.prepare('SELECT mailbox_name FROM snapshot ORDER BY mailbox_name').pluck().all()).toEqual(names);
    const ids = new Set(catalog.db.prepare('SELECT mailbox_id FROM snapshot').pluck().all());
    expect(new Set(links(catalog).map((l) => l.mailbox_id))).toEqual(ids);
    catalog.close();
  });

  it('--message archives that one message and records no snapshot', async () => {
    const {catalog, run} = setup();
    expect(await run({kind: 'message', ref: 'user.alice:2'})).toMatchObject({folders: 1, messages: 1, read: 1, stored: 1, snapshots: 0});
    expect(links(catalog).map((l) => [l.mailbox_id, l.uid])).toEqual([[ALICE, 2]]);
    expect(await run({kind: 'message', ref: 'user.dave@example.com:1'})).toMatchObject({read: 1, stored: 1});
    expect(link(catalog, DAVE, 1)?.sha256).not.toBeNull();
    expect(count(catalog, 'snapshot')).toBe(0);
    catalog.close();
  });

  it('reads and stores nothing on a second run, and records no new snapshot', async () => {
    const {catalog, run} = setup();
    await run();
    const second = await run();
    expect(second).toMatchObject({folders: 5, foldersUnchanged: 5, snapshots: 0, messages: 8, read: 0, stored: 0, alreadyStored: 0, alreadyArchived: 8, bytesRead: 0, bytesStored: 0});
    expect(count(catalog, 'snapshot')).toBe(5);
    expect(count(catalog, 'snapshot_message')).toBe(8);
    catalog.close();
  });

  it('does not read again a message the collector archived', async () => {
    const {catalog, archiveDir, run} = setup();
    const writer = ArchiveWriter.open(catalog, archiveDir);
    const {id} = writer.put(MAIL.a1);
    writer.close();
    catalog.db
      .prepare("INSERT INTO notification (id, sha256, raw, received_at, source, event_type, last_delivered_at) VALUES (1, ?, X'7B7D', 1, 'stdin', 'MessageAppend', 1)")
      .run(createHash('sha256').update('notification').digest());
    catalog.db
      .prepare("INSERT INTO collect_job (mailbox_id, mailbox_name, uid_validity, uid, notification_id, state, attempts, sha256, created_at, updated_at) VALUES (?, 'user.alice', ?, 1, 1, 'done', 1, ?, 1, 1)")
      .run(ALICE, folder(ALICE).uidValidity, id);
    // alice's 1 is the collector's; her Sent copy is read (it is another message) but not stored again.
    expect(await run()).toMatchObject({messages: 8, alreadyArchived: 1, read: 7, stored: 5, alreadyStored: 2});
    expect(link(catalog, ALICE, 1)).toBeUndefined();
    expect(link(catalog, SENT, 1)?.sha256).toEqual(id);
    catalog.close();
  });

  it('records a new snapshot of a folder whose flags changed, reading nothing; a new message is the only one read', async () => {
    const {site, catalog, run} = setup();
    await run();
    const alice = folder(ALICE);
    const first = alice.messages[0];
    if (first === undefined) throw new Error('fixture');
    first.flags = ['\\Seen', '\\Answered'];
    first.modseq = 7;
    writeMailbox(site.main, alice);
    expect(await run()).toMatchObject({snapshots: 1, foldersUnchanged: 4, read: 0, stored: 0, alreadyArchived: 8});
    const latest = catalog.db.prepare("SELECT id, highest_modseq FROM snapshot WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1").get(ALICE) as {id: number; highest_modseq: number};
    expect(latest.highest_modseq).toBe(7);
    expect(catalog.db.prepare('SELECT flags FROM snapshot_message WHERE snapshot_id = ? AND uid = 1').pluck().get(latest.id)).toBe('\\Answered \\Seen');
    expect(catalog.db.prepare('SELECT count(*) FROM snapshot WHERE mailbox_id = ?').pluck().get(ALICE)).toBe(2); // the old one is kept

    alice.messages.push({uid: 4, bytes: Buffer.from('Subject: new\r\n\r\narrived later\r\n'), modseq: 8});
    writeMailbox(site.main, alice);
    expect(await run()).toMatchObject({snapshots: 1, read: 1, stored: 1, alreadyArchived: 8, messages: 9});
    catalog.close();
  });

  it('records an unlinked record and a missing file as unrecoverable, with the reason in message_link', async () => {
    const {site, catalog, run} = setup();
    const alice = folder(ALICE);
    alice.messages.push({uid: 4, bytes: Buffer.from('cleaned by cyr_expire\r\n'), expunged: true, unlinked: true, modseq: 7});
    writeMailbox(site.main, alice);
    rmSync(join(site.dir(BOB), '2.'));
    const summary = await run();
    expect(summary).toMatchObject({messages: 9, read: 7, unrecoverable: 2});
    expect(link(catalog, ALICE, 4)).toMatchObject({sha256: null, reason: FILE_GONE});
    expect(link(catalog, BOB, 2)).toMatchObject({sha256: null, reason: FILE_GONE});
    // Still in the snapshot: the folder held them.
    expect(catalog.db.prepare("SELECT uid FROM snapshot_message JOIN snapshot ON snapshot.id = snapshot_id WHERE mailbox_id = ? ORDER BY uid").pluck().all(BOB)).toEqual([1, 2]);
    catalog.close();
  });

  it("archives a file whose SHA-1 differs from Cyrus' GUID as found, counting and reporting it", async () => {
    const {site, catalog, archiveDir, run, warnings} = setup();
    const altered = Buffer.concat([MAIL.b2, Buffer.from('X-Tampered: yes\r\n')]);
    writeFileSync(join(site.dir(BOB), '2.'), altered);
    expect(await run()).toMatchObject({checksumMismatches: 1, read: 8, stored: 6});
    expect(warnings).toEqual([`user.bob UID 2: the file's SHA-1 differs from Cyrus' GUID ${sha1(MAIL.b2)}; archived as found`]);
    const reader = new ArchiveReader(catalog, archiveDir);
    expect(reader.readBlob(link(catalog, BOB, 2)?.sha256 as Buffer).equals(altered)).toBe(true);
    reader.close();
    catalog.close();
  });

  it('says what it did not find with NothingToArchive, the message and hint the command prints, writing nothing', async () => {
    const {catalog, run} = setup();
    const user = await rejectedBonnieError(run({kind: 'user', login: 'nobody'}));
    expect(user.code).toBe('NothingToArchive');
    expect(user.message).toBe('no folder of user nobody was found in the spool');
    expect(user.hint).toBe('Names are the admin form, as in events and "bonnie history": user.alice, user.alice.Sent, user.alice@example.com with virtual domains.');
    const mailbox = await rejectedBonnieError(run({kind: 'mailbox', name: 'user.dave'}));
    expect(mailbox.message).toBe('no folder named user.dave was found in the spool');
    const message = await rejectedBonnieError(run({kind: 'message', ref: 'user.zed:1'}));
    expect(message.message).toBe('no folder named user.zed was found in the spool');
    expect(count(catalog, 'segment')).toBe(0);
    expect(count(catalog, 'snapshot')).toBe(0);
    catalog.close();
  });

  it('says NothingToArchive for --all on an empty partition, pointing at the spool settings', async () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const empty = join(dir, 'mail');
    mkdirSync(join(empty, 'uuid'), {recursive: true});
    const error = await rejectedBonnieError(archiveFolders(catalog, new SpoolSource([empty]), ALL, {archiveDir}));
    expect(error.code).toBe('NothingToArchive');
    expect(error.message).toBe('no folder was found in the spool');
    expect(error.hint).toBe('Check spool (and partitions), or imap_url with --from imap.');
    catalog.close();
  });

  it('says MessageNotFound for a UID the folder does not have, with its UID range and where to look', async () => {
    const {catalog, run} = setup();
    const error = await rejectedBonnieError(run({kind: 'message', ref: 'user.alice:99'}));
    expect(error.code).toBe('MessageNotFound');
    expect(error.message).toBe('user.alice has no message with UID 99');
    expect(error.hint).toBe('Its UIDs run from 1 to 3; "bonnie history --mailbox user.alice" shows what happened to it.');
    expect(links(catalog)).toEqual([]);
    catalog.close();
  });

  it('reads and stores again the messages of a segment marked broken, then trusts the new copies', async () => {
    const {catalog, archiveDir, run} = setup();
    await run();
    const index = new ArchiveIndex(catalog.db);
    for (const segment of index.listSegments()) index.markBroken(segment.id);
    // Every distinct message is read and stored again; a copy in a later folder is linked to the same
    // blob, live again by then, so it is not read twice.
    expect(await run()).toMatchObject({read: 6, stored: 6, alreadyStored: 0, alreadyArchived: 2, snapshots: 0, foldersUnchanged: 5});
    const reader = new ArchiveReader(catalog, archiveDir);
    for (const row of links(catalog)) {
      expect(index.hasLiveBlob(row.sha256 as Buffer)).toBe(true);
      expect(reader.readBlob(row.sha256 as Buffer).equals(fixtureBytes(row.mailbox_id, row.uid) as Buffer)).toBe(true);
    }
    reader.close();
    expect(await run()).toMatchObject({read: 0, alreadyArchived: 8});
    catalog.close();
  });
});
