import {randomBytes} from 'node:crypto';
import {closeSync, openSync, readFileSync, statSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {blobHex, hashBlob} from '../../../../src/lib/store/archive/blob/blob.js';
import {ArchiveIndex, archiveCounts} from '../../../../src/lib/store/archive/index/repository.js';
import {rebuildArchiveIndex} from '../../../../src/lib/store/archive/rebuild-index.js';
import {repackSegments, removeRetiredSegments} from '../../../../src/lib/store/archive/repack.js';
import {ArchiveReader, ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {markBrokenSegments, verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from './helpers.js';

const tempDir = useTempDirs();

/** A 300 kB "PDF" (incompressible, as real ones mostly are): forwarded in two messages. */
const ATTACHMENT = randomBytes(300_000);

function lines(bytes: Buffer, width: number, eol: string): string {
  return (bytes.toString('base64').match(new RegExp(`.{1,${width}}`, 'g')) ?? []).join(eol);
}

/** A message carrying the attachment, as a different client would write it (line length, line ending, headers). */
function forward(subject: string, width: number, eol = '\r\n'): Buffer {
  return Buffer.from(
    [
      `From: alice@example.org`,
      `To: bob@example.org`,
      `Subject: ${subject}`,
      `MIME-Version: 1.0`,
      `Content-Type: multipart/mixed; boundary="=_${subject}"`,
      ``,
      `--=_${subject}`,
      `Content-Type: text/plain; charset=utf-8`,
      ``,
      `See the report (${subject}).`,
      `--=_${subject}`,
      `Content-Type: application/pdf; name="report.pdf"`,
      `Content-Transfer-Encoding: base64`,
      ``,
      lines(ATTACHMENT, width, eol),
      `--=_${subject}--`,
      ``,
    ].join(eol),
  );
}

function segmentBytes(archiveDir: string, index: ArchiveIndex): number {
  return index.listSegments().reduce((n, s) => n + statSync(join(archiveDir, s.path)).size, 0);
}

describe('messages split at MIME part boundaries (archive format 3)', () => {
  for (const [workers, decodeBase64] of [
    [0, false],
    [1, false],
    [0, true],
    [1, true],
  ] as const) {
    it(`stores an attachment two messages carry once, and reads both back exactly (${workers === 0 ? 'put' : 'putAsync on a worker thread'}${decodeBase64 ? ', base64 decoded: whatever its line length and ending' : ''})`, async () => {
      const {catalog, archiveDir} = makeArchive(tempDir());
      const writer = ArchiveWriter.open(catalog, archiveDir, {workers, split: {decodeBase64}});
      const a = forward('first', 76);
      const b = decodeBase64 ? forward('second', 64, '\n') : forward('second', 76);
      await writer.putAsync(Buffer.from(a));
      await writer.commitAsync(); // b's part is then held by an earlier commit: read back from the archive
      await writer.putAsync(Buffer.from(b));
      await writer.commitAsync();
      writer.close();
      const index = new ArchiveIndex(catalog.db);
      expect(catalog.db.prepare('SELECT count(*) AS n FROM blob_part').get()).toEqual({n: 1});
      expect(catalog.db.prepare('SELECT count(*) AS n FROM blob_part_ref').get()).toEqual({n: 2});
      // Stored once: the archive is about one attachment's size (400 kB of base64, 300 kB decoded; not twice that).
      const once = (decodeBase64 ? ATTACHMENT.length : (ATTACHMENT.length * 4) / 3) + 30_000;
      expect(segmentBytes(archiveDir, index)).toBeLessThan(once);
      expect(archiveCounts(catalog.db).storedBytes).toBeLessThan(once);
      const reader = new ArchiveReader(catalog, archiveDir);
      expect(reader.readBlob(hashBlob(a)).equals(a)).toBe(true);
      expect(reader.readBlob(hashBlob(b)).equals(b)).toBe(true);
      reader.close();
      expect(verifyArchive(catalog, archiveDir, {readData: true})).toMatchObject({sound: true, blobs: 2, problems: []});
      catalog.close();
    });
  }

  it('split messages packed on one or two worker threads make the segment put writes, a copy stored once', async () => {
    const mails = [forward('one', 76), forward('two', 64, '\n'), forward('one', 76), forward('three', 76), Buffer.from('Subject: plain\r\n\r\nno parts\r\n')];
    const segmentOf = async (workers: number) => {
      const {catalog, archiveDir} = makeArchive(tempDir());
      const writer = ArchiveWriter.open(catalog, archiveDir, {workers, now: () => Date.UTC(2026, 2, 3)});
      const results = await Promise.all(mails.map((m) => writer.putAsync(Buffer.from(m))));
      await writer.commitAsync();
      writer.close();
      expect(results.map((r) => r.stored)).toEqual([true, true, false, true, true]);
      const [segment] = new ArchiveIndex(catalog.db).listSegments();
      const bytes = readFileSync(join(archiveDir, segment?.path ?? ''));
      expect(verifyArchive(catalog, archiveDir, {readData: true}).sound).toBe(true);
      catalog.close();
      return bytes;
    };
    const whole = await segmentOf(0);
    expect((await segmentOf(1)).equals(whole)).toBe(true);
    expect((await segmentOf(2)).equals(whole)).toBe(true);
  });

  it('prune keeps a part a kept message names, and frees it with the last one', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir);
    const a = forward('first', 76);
    const b = forward('second', 76);
    writer.put(a);
    writer.put(b);
    writer.close();
    const index = new ArchiveIndex(catalog.db);
    const prune = (drop: Buffer[]) => {
      const repack = repackSegments(catalog, archiveDir, drop, {verify: 'content'});
      index.commitRepack({...repack, droppedParts: repack.droppedParts.map((p) => p.id), dropped: drop, now: Date.now()});
      removeRetiredSegments(catalog, archiveDir);
      return repack;
    };
    const first = prune([hashBlob(a)]);
    expect(first.droppedParts).toEqual([]);
    expect(first.movedParts).toHaveLength(1);
    const reader = new ArchiveReader(catalog, archiveDir);
    expect(reader.readBlob(hashBlob(b)).equals(b)).toBe(true);
    reader.close();
    expect(verifyArchive(catalog, archiveDir, {readData: true}).sound).toBe(true);
    const before = segmentBytes(archiveDir, index);
    const second = prune([hashBlob(b)]);
    expect(second.droppedParts).toHaveLength(1);
    expect(catalog.db.prepare('SELECT (SELECT count(*) FROM blob_part) + (SELECT count(*) FROM blob_part_ref) + (SELECT count(*) FROM blob) AS n').get()).toEqual({n: 0});
    expect(segmentBytes(archiveDir, index)).toBeLessThan(before - ATTACHMENT.length);
    expect(verifyArchive(catalog, archiveDir, {readData: true}).sound).toBe(true);
    catalog.close();
  });

  it('verify --read-data reports a damaged part against every message that names it', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir);
    const a = forward('first', 76);
    const b = forward('second', 76);
    writer.put(a);
    writer.put(b);
    writer.close();
    const index = new ArchiveIndex(catalog.db);
    const [segment] = index.listSegments();
    const part = index.listParts(segment?.id ?? '')[0];
    const path = join(archiveDir, segment?.path ?? '');
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([0xff]), 0, 1, (part?.dataOffset ?? 0) + 1000);
    closeSync(fd);
    const report = verifyArchive(catalog, archiveDir, {readData: true});
    expect(report.sound).toBe(false);
    const partProblem = report.problems.find((p) => p.detail.startsWith(`part ${blobHex(part?.id ?? Buffer.alloc(0))}`));
    expect(partProblem?.blobs.sort()).toEqual([blobHex(hashBlob(a)), blobHex(hashBlob(b))].sort());
    catalog.close();
  });

  it('a message whose part is in a broken segment counts as not archived: storing it again stores the part again', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const a = forward('first', 76);
    const b = forward('second', 76);
    let writer = ArchiveWriter.open(catalog, archiveDir);
    writer.put(a); // the part and a's manifest: the first segment
    writer.close();
    writer = ArchiveWriter.open(catalog, archiveDir);
    expect(writer.put(b).storedLength).toBeLessThan(5_000); // b's manifest alone: the second segment
    writer.close();
    const index = new ArchiveIndex(catalog.db);
    const [first] = index.listSegments();
    const part = index.listParts(first?.id ?? '')[0];
    const fd = openSync(join(archiveDir, first?.path ?? ''), 'r+');
    writeSync(fd, Buffer.from([0xff]), 0, 1, (part?.dataOffset ?? 0) + 1000);
    closeSync(fd);
    const marked = markBrokenSegments(catalog, verifyArchive(catalog, archiveDir, {readData: true}));
    expect(marked.segments.map((s) => s.id)).toEqual([first?.id]);
    expect(index.hasLiveBlob(hashBlob(b))).toBe(false);
    writer = ArchiveWriter.open(catalog, archiveDir);
    expect(writer.put(b).stored).toBe(true);
    expect(writer.put(a).stored).toBe(true);
    writer.close();
    const reader = new ArchiveReader(catalog, archiveDir);
    expect(reader.readBlob(hashBlob(b)).equals(b)).toBe(true);
    expect(reader.readBlob(hashBlob(a)).equals(a)).toBe(true);
    reader.close();
    expect(verifyArchive(catalog, archiveDir, {readData: true}).sound).toBe(true);
    catalog.close();
  });

  it('a catalog rebuilt from the segments indexes the manifests, the parts and their references', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir);
    const a = forward('first', 76);
    const b = forward('second', 76);
    writer.put(a);
    writer.put(b);
    writer.close();
    catalog.close();
    const rebuilt = openCatalog(join(tempDir(), 'rebuilt.db'), {create: true});
    const summary = rebuildArchiveIndex(rebuilt, archiveDir, () => undefined);
    expect(summary).toMatchObject({blobs: 2, skipped: []});
    expect(rebuilt.db.prepare('SELECT count(*) AS n FROM blob_part').get()).toEqual({n: 1});
    expect(rebuilt.db.prepare('SELECT count(*) AS n FROM blob_part_ref').get()).toEqual({n: 2});
    const reader = new ArchiveReader(rebuilt, archiveDir);
    expect(reader.readBlob(hashBlob(b)).equals(b)).toBe(true);
    reader.close();
    expect(verifyArchive(rebuilt, archiveDir, {readData: true}).sound).toBe(true);
    rebuilt.close();
  });
});
