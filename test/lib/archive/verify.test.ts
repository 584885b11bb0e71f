import {openSync, closeSync, readSync, writeSync, truncateSync, unlinkSync, statSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {blobHex} from '../../../src/lib/archive/blob/blob.js';
import {ArchiveIndex} from '../../../src/lib/archive/index/repository.js';
import {ArchiveReader, ArchiveWriter} from '../../../src/lib/archive/store.js';
import {verifyArchive} from '../../../src/lib/archive/verify.js';
import {thrownBonnieError} from '../../helpers/catalog.js';
import {useTempDirs} from '../../helpers/tmp.js';
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
