/**
 * Checking the archive against its index (library side of `bonnie verify`): every indexed blob's segment
 * is present and long enough, the tar header at the indexed offset names that blob and its length, and,
 * with `readData`, the frame decompresses to bytes that hash to the blob id. Segment files the index does
 * not know are reported as notices (a crash between creating a file and recording it cannot happen: the
 * row is written first, so an unknown file was put there by something else).
 */
import {closeSync, existsSync, fstatSync, openSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import type {Catalog} from '../catalog/catalog.js';
import {BlobDecompressor, blobHex, openFrame} from './blob/blob.js';
import {ArchiveIndex, type SegmentRecord} from './index/repository.js';
import {readMember} from './segment/member.js';
import {SEGMENTS_DIR, preadFully} from './segment/segment-file.js';
import {TAR_END_BYTES, memberSpan} from './segment/tar.js';

export type ArchiveProblemKind =
  /** The segment file is gone: every blob in it is lost. */
  | 'SegmentMissing'
  /** The file is shorter than what was indexed: the blobs past its end are lost. */
  | 'SegmentTruncated'
  /** A closed segment does not end with the two zero blocks of a tar archive. */
  | 'SegmentEndMissing'
  /** The bytes at the indexed offset are not this blob's tar member (wrong offset, damaged header). */
  | 'MemberMismatch'
  /** The member's data does not decompress to bytes hashing to the blob id. */
  | 'BlobCorrupt'
  /** A segment file on disk that the index does not know (a notice, not an error). */
  | 'SegmentUnknown';

/** One thing verify found. `blobs` are hex ids of the messages affected. */
export interface ArchiveProblem {
  kind: ArchiveProblemKind;
  severity: 'error' | 'notice';
  segmentId: string;
  /** Relative to the archive folder. */
  path: string;
  blobs: string[];
  detail: string;
}

export interface VerifyArchiveOptions {
  /** Also decompress and re-hash every blob's data (reads the whole archive). */
  readData?: boolean;
  /** With readData: read the data of about this percentage of segments, chosen at random (default 100). */
  subsetPercent?: number;
  /** Random source for the subset, in [0, 1) (tests). */
  random?: () => number;
}

export interface ArchiveVerifyReport {
  segments: number;
  blobs: number;
  /** Blobs whose data was decompressed and re-hashed. */
  blobsRead: number;
  problems: ArchiveProblem[];
  /** No problem of severity "error". */
  sound: boolean;
}

/** Checks every index row of the archive at `archiveDir` against its segment file. Never writes. */
export function verifyArchive(catalog: Catalog, archiveDir: string, options: VerifyArchiveOptions = {}): ArchiveVerifyReport {
  const index = new ArchiveIndex(catalog.db);
  const decompressor = new BlobDecompressor();
  const {readData = false, subsetPercent = 100, random = Math.random} = options;
  const report: ArchiveVerifyReport = {segments: 0, blobs: 0, blobsRead: 0, problems: [], sound: true};
  const segments = index.listSegments();
  for (const segment of segments) {
    report.segments++;
    const readThis = readData && random() * 100 < subsetPercent;
    checkSegment(index, decompressor, archiveDir, segment, readThis, report);
  }
  const known = new Set(segments.map((s) => s.path));
  for (const path of listSegmentFiles(archiveDir)) {
    if (known.has(path)) continue;
    const id = path.slice(path.lastIndexOf('/') + 1).replace(/\.tar$/, '');
    report.problems.push({kind: 'SegmentUnknown', severity: 'notice', segmentId: id, path, blobs: [], detail: 'a segment file the index does not know; nothing refers to it'});
  }
  report.sound = report.problems.every((p) => p.severity !== 'error');
  return report;
}

/** Checks one segment's indexed blobs; adds what it finds to `report`. */
export function checkSegment(index: ArchiveIndex, decompressor: BlobDecompressor, archiveDir: string, segment: SegmentRecord, readData: boolean, report: ArchiveVerifyReport): void {
  const blobs = index.listBlobs(segment.id);
  report.blobs += blobs.length;
  const problem = (kind: ArchiveProblemKind, affected: string[], detail: string): void => {
    report.problems.push({kind, severity: 'error', segmentId: segment.id, path: segment.path, blobs: affected, detail});
  };
  const path = join(archiveDir, segment.path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem('SegmentMissing', blobs.map((b) => blobHex(b.id)), code === 'ENOENT' ? 'the segment file is missing' : `the segment file cannot be opened: ${code}`);
    return;
  }
  try {
    const size = fstatSync(fd).size;
    const lost = blobs.filter((b) => b.headerOffset + memberSpan(b.storedLength) > size);
    if (size < segment.bytes || lost.length > 0) {
      problem('SegmentTruncated', lost.map((b) => blobHex(b.id)), `the file is ${size} bytes; the index recorded ${segment.bytes}`);
    }
    if (segment.state === 'closed' && size >= segment.bytes && segment.bytes >= TAR_END_BYTES) {
      const end = preadFully(fd, segment.bytes - TAR_END_BYTES, TAR_END_BYTES);
      if (!end.every((b) => b === 0)) problem('SegmentEndMissing', [], `no end-of-archive blocks at offset ${segment.bytes - TAR_END_BYTES}`);
    }
    for (const blob of blobs) {
      if (lost.includes(blob)) continue;
      const hex = blobHex(blob.id);
      const frame = readMember(fd, blob);
      if (typeof frame === 'string') {
        problem('MemberMismatch', [hex], frame);
        continue;
      }
      if (!readData) continue;
      report.blobsRead++;
      const bytes = openFrame(decompressor, frame, blob.id, blob.originalLength);
      if (typeof bytes === 'string') problem('BlobCorrupt', [hex], `at offset ${blob.headerOffset}: ${bytes}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Segment files on disk, relative to the archive folder. */
function listSegmentFiles(archiveDir: string): string[] {
  const root = join(archiveDir, SEGMENTS_DIR);
  if (!existsSync(root)) return [];
  const found: string[] = [];
  for (const shard of readdirSync(root, {withFileTypes: true})) {
    if (!shard.isDirectory()) continue;
    for (const file of readdirSync(join(root, shard.name))) {
      if (file.endsWith('.tar')) found.push(join(SEGMENTS_DIR, shard.name, file));
    }
  }
  return found;
}
