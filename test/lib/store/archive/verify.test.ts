import {openSync, closeSync, readSync, writeSync, truncateSync, unlinkSync, statSync, mkdirSync, writeFileSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {blobHex, type BlobId} from '../../../../src/lib/store/archive/blob/blob.js';
import {ArchivedMessages} from '../../../../src/lib/pipeline/collect/archived-messages.js';
import {ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {ARCHIVE_SCHEMA_V4} from '../../../../src/lib/store/archive/index/schema.js';
import {ArchiveReader, ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {markBrokenSegments, verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import type {Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {SnapshotRepository} from '../../../../src/lib/pipeline/snapshot/repository.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';
import {REPO} from '../../../helpers/paths.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from './helpers.js';
import {makeMail} from './mail.js';

const tempDir = useTempDirs();

/** A sound archive of three messages in one segment; returns what the corruptions need. */
function sample() {
  const {catalog, archiveDir} = makeArchive(tempDir());
  const writer = ArchiveWriter.open(catalog, archiveDir);
  const ids = ['v0', 'v1', 'v2'].map((s) => writer.put(makeMail(s, 30_000)).id);
  writer.close();
  const index = new ArchiveIndex(catalog.db);
  const [segment] = index.listSegments();
  if (segment === undefined) throw new Error('no segment');
  const blobs = index.listBlobs(segment.id);
  return {catalog, archiveDir, segment, blobs, ids, file: join(archiveDir, segment.path)};
}

function flipByte(file: string, offset: number): void {
  const fd = openSync(file, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, offset);
  b[0] = (b[0] ?? 0) ^ 0xff;
  writeSync(fd, b, 0, 1, offset);
  closeSync(fd);
}

describe('verifyArchive', () => {
  it('finds a sound archive sound', () => {
    const {catalog, archiveDir} = sample();
    const report = verifyArchive(catalog, archiveDir, {readData: true});
    expect(report).toMatchObject({segments: 1, blobs: 3, blobsRead: 3, problems: [], sound: true});
  });

  it('finds a flipped byte in a message frame with readData (and readBlob refuses it)', () => {
    const {catalog, archiveDir, blobs} = sample();
    const victim = blobs[1]!;
    flipByte(join(archiveDir, new ArchiveIndex(catalog.db).getSegment(victim.segmentId)!.path), victim.dataOffset + 200);
    expect(verifyArchive(catalog, archiveDir).sound).toBe(true); // headers intact: only reading the data tells
    const report = verifyArchive(catalog, archiveDir, {readData: true});
    expect(report.sound).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({kind: 'BlobCorrupt', blobs: [blobHex(victim.id)]})]);
    const reader = new ArchiveReader(catalog, archiveDir);
    expect(thrownBonnieError(() => reader.readBlob(victim.id)).code).toBe('BlobCorrupt');
    reader.close();
  });

  it('finds a flipped byte in a tar header without readData', () => {
    const {catalog, archiveDir, blobs, file} = sample();
    flipByte(file, blobs[0]!.headerOffset + 10);
    const report = verifyArchive(catalog, archiveDir);
    expect(report.problems).toEqual([expect.objectContaining({kind: 'MemberMismatch', blobs: [blobHex(blobs[0]!.id)]})]);
  });

  it('finds a truncated segment and names the blobs past its end', () => {
    const {catalog, archiveDir, blobs, file} = sample();
    truncateSync(file, blobs[2]!.dataOffset + 100);
    const report = verifyArchive(catalog, archiveDir);
    expect(report.problems).toEqual([expect.objectContaining({kind: 'SegmentTruncated', blobs: [blobHex(blobs[2]!.id)]})]);
    expect(thrownBonnieError(() => new ArchiveReader(catalog, archiveDir).readBlob(blobs[2]!.id)).code).toBe('BlobCorrupt');
  });

  it('finds a missing segment and names every blob in it', () => {
    const {catalog, archiveDir, ids, file} = sample();
    unlinkSync(file);
    const report = verifyArchive(catalog, archiveDir);
    expect(report.problems).toEqual([expect.objectContaining({kind: 'SegmentMissing', blobs: ids.map(blobHex)})]);
    expect(thrownBonnieError(() => new ArchiveReader(catalog, archiveDir).readBlob(ids[0]!)).code).toBe('SegmentMissing');
  });

  it('finds an index row pointing to the wrong offset without readData', () => {
    const {catalog, archiveDir, blobs} = sample();
    const [a, b] = [blobs[0]!, blobs[1]!];
    catalog.db.prepare('UPDATE blob SET header_offset = ?, data_offset = ? WHERE sha256 = ?').run(b.headerOffset, b.dataOffset, a.id);
    const report = verifyArchive(catalog, archiveDir);
    expect(report.problems).toEqual([expect.objectContaining({kind: 'MemberMismatch', blobs: [blobHex(a.id)]})]);
    expect(report.problems[0]?.detail).toContain(blobHex(b.id));
  });

  it('reports a segment file the index does not know as a notice', () => {
    const {catalog, archiveDir} = sample();
    mkdirSync(join(archiveDir, 'segments', 'ff'), {recursive: true});
    writeFileSync(join(archiveDir, 'segments', 'ff', `${'f'.repeat(32)}.tar`), Buffer.alloc(1024));
    const report = verifyArchive(catalog, archiveDir);
    expect(report.sound).toBe(true);
    expect(report.problems).toEqual([expect.objectContaining({kind: 'SegmentUnknown', severity: 'notice'})]);
  });

  it('reads the data of a subset of segments', () => {
    const {catalog, archiveDir, file} = sample();
    expect(statSync(file).size).toBeGreaterThan(0);
    expect(verifyArchive(catalog, archiveDir, {readData: true, subsetPercent: 10, random: () => 0.5}).blobsRead).toBe(0);
    expect(verifyArchive(catalog, archiveDir, {readData: true, subsetPercent: 60, random: () => 0.5}).blobsRead).toBe(3);
  });
});

/** Links blob `id` to `folder` UID `uid` the way `bonnie archive` does, and records the folder's snapshot (its name). */
function linkArchived(catalog: Catalog, folder: {mailboxId: string; name: string}, uid: number, id: BlobId): void {
  const repo = new SnapshotRepository(catalog.db);
  repo.link(folder.mailboxId, 7, 'spool', [{uid, sha256: id, reason: null}], 1000);
  repo.record({mailboxId: folder.mailboxId, name: folder.name, uidValidity: 7, highestModseq: BigInt(uid), messages: []}, 'spool', 1000 + uid);
}

/** Links blob `id` to `mailboxName` UID `uid` the way the collector does (a done collect_job). */
function linkCollected(catalog: Catalog, mailboxId: string, mailboxName: string, uid: number, id: BlobId): void {
  if (catalog.db.prepare('SELECT 1 FROM notification WHERE id = 1').get() === undefined) {
    new Ingester(catalog.db).ingest([{raw: readFileSync(join(REPO, 'samples/events/01-Login.json')), receivedAt: 1000, source: 'stdin'}]);
  }
  catalog.db
    .prepare("INSERT INTO collect_job (mailbox_id, mailbox_name, uid_validity, uid, notification_id, state, sha256, created_at, updated_at) VALUES (?, ?, 7, ?, 1, 'done', ?, 1000, 1000)")
    .run(mailboxId, mailboxName, uid, id);
}

describe('verifyArchive names the messages affected', () => {
  it('by folder and UID, from bonnie archive\'s links and the collector\'s jobs', () => {
    const {catalog, archiveDir, ids, file} = sample();
    const [a, b, c] = ids as [BlobId, BlobId, BlobId];
    linkArchived(catalog, {mailboxId: 'mbox-inbox', name: 'user.alice'}, 4, a);
    linkArchived(catalog, {mailboxId: 'mbox-sent', name: 'user.alice.Sent'}, 2, a); // the same bytes in a second folder
    linkCollected(catalog, 'mbox-bob', 'user.bob', 9, b);
    linkCollected(catalog, 'mbox-inbox', 'user.alice', 5, b); // the name comes from the latest snapshot
    // c: stored, but no message links to it (yet).
    unlinkSync(file);
    const [problem] = verifyArchive(catalog, archiveDir, {messages: new ArchivedMessages(catalog.db)}).problems;
    expect(problem?.blobs).toEqual(ids.map(blobHex));
    expect(problem?.messages.map((m) => [m.mailboxName, m.uid, m.blob, m.source])).toEqual([
      ['user.alice', 4, blobHex(a), 'spool'],
      ['user.alice', 5, blobHex(b), 'collector'],
      ['user.alice.Sent', 2, blobHex(a), 'spool'],
      ['user.bob', 9, blobHex(b), 'collector'],
    ]);
    expect(problem?.messages.some((m) => m.blob === blobHex(c))).toBe(false);
  });

  it('lists a message linked by both the collector and bonnie archive once', () => {
    const {catalog, ids} = sample();
    const id = ids[0] as BlobId;
    linkCollected(catalog, 'mbox-inbox', 'user.alice', 1, id);
    linkArchived(catalog, {mailboxId: 'mbox-inbox', name: 'user.alice'}, 1, id);
    expect(new ArchivedMessages(catalog.db).byBlob(id).map((m) => `${m.mailboxName} UID ${m.uid}`)).toEqual(['user.alice UID 1']);
  });

  it('names none in a catalog older than the links (read-only, not migrated)', () => {
    const db = new Database(':memory:');
    db.exec(ARCHIVE_SCHEMA_V4);
    expect(new ArchivedMessages(db).byBlob(Buffer.alloc(32))).toEqual([]);
    db.close();
  });
});

describe('markBrokenSegments', () => {
  it('marks the segments with an error broken, in one go, and names every message in them', () => {
    const {catalog, archiveDir, blobs, file, segment, ids} = sample();
    linkArchived(catalog, {mailboxId: 'mbox-inbox', name: 'user.alice'}, 1, ids[0] as BlobId);
    linkArchived(catalog, {mailboxId: 'mbox-bob', name: 'user.bob'}, 3, ids[2] as BlobId);
    truncateSync(file, blobs[2]!.dataOffset + 100);
    const report = verifyArchive(catalog, archiveDir);
    const result = markBrokenSegments(catalog, report, new ArchivedMessages(catalog.db));
    expect(result.segments).toEqual([{id: segment.id, path: segment.path, blobs: 3}]);
    expect(result.messages.map((m) => `${m.mailboxName} UID ${m.uid}`)).toEqual(['user.alice UID 1', 'user.bob UID 3']);
    expect(result.users).toEqual(['alice', 'bob']);
    expect(result.hint).toContain('bonnie archive --all" (or --user alice, --user bob)');
    expect(new ArchiveIndex(catalog.db).getSegment(segment.id)?.state).toBe('broken');
    // Already broken: nothing more to mark.
    expect(markBrokenSegments(catalog, verifyArchive(catalog, archiveDir)).segments).toEqual([]);
  });

  it('keeps reporting the damage until the lost message is stored again; then the segment is only a notice', () => {
    const {catalog, archiveDir, blobs, file} = sample();
    truncateSync(file, blobs[2]!.dataOffset + 100);
    markBrokenSegments(catalog, verifyArchive(catalog, archiveDir));

    const broken = verifyArchive(catalog, archiveDir, {readData: true});
    expect(broken.sound).toBe(false);
    expect(broken.brokenSegments).toBe(1);
    expect(broken.problems.map((p) => [p.kind, p.severity, p.blobs.length])).toEqual([
      ['SegmentBroken', 'notice', 3],
      ['SegmentTruncated', 'error', 1],
    ]);

    // The writer stores the lost message again (its segment is broken), and the intact ones it meets.
    const writer = ArchiveWriter.open(catalog, archiveDir);
    expect(writer.put(makeMail('v2', 30_000)).stored).toBe(true);
    writer.close();
    const after = verifyArchive(catalog, archiveDir, {readData: true});
    expect(after.sound).toBe(true);
    expect(after.problems.map((p) => [p.kind, p.severity, p.blobs.length])).toEqual([
      ['SegmentBroken', 'notice', 2],
      ['SegmentTruncated', 'notice', 0],
    ]);
    expect(after.blobsRead).toBe(3);
  });

  it('refuses while an archive writer holds the archive, and marks nothing', () => {
    const {catalog, archiveDir, file, segment} = sample();
    unlinkSync(file);
    const report = verifyArchive(catalog, archiveDir);
    const writer = ArchiveWriter.open(catalog, archiveDir);
    expect(thrownBonnieError(() => markBrokenSegments(catalog, report)).code).toBe('ArchiveLocked');
    expect(new ArchiveIndex(catalog.db).getSegment(segment.id)?.state).toBe('closed');
    writer.close();
    expect(markBrokenSegments(catalog, report).segments).toHaveLength(1);
  });

  it('marks nothing, and takes no lock, when nothing is wrong', () => {
    const {catalog, archiveDir} = sample();
    const writer = ArchiveWriter.open(catalog, archiveDir);
    expect(markBrokenSegments(catalog, verifyArchive(catalog, archiveDir))).toMatchObject({segments: [], messages: [], hint: 'Nothing was marked.'});
    writer.close();
  });
});
