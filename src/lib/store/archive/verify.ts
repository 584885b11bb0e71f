/**
 * Checking the archive against its index (library side of `bonnie verify`): every indexed blob's segment
 * is present and long enough, the tar header at the indexed offset names that blob and its length, and,
 * with `readData`, the frame decompresses to bytes that hash to the blob id. Segment files the index does
 * not know are reported as notices (a crash between creating a file and recording it cannot happen: the
 * row is written first, so an unknown file was put there by something else). Every problem names the
 * blobs it affects and the messages (folder, UID) whose bytes they are.
 *
 * A split message (archive format 3) is checked as its manifest member and, with `readData`, reassembled
 * from its parts (read wherever they are) and re-hashed; each part member is checked like a blob, and a
 * damaged part is reported against every message that names it.
 *
 * Broken segments (marked by {@link markBrokenSegments}) are checked like the others: damage to a blob
 * still indexed there stays an error until the blob is stored again elsewhere (data that is gone is not
 * sound); damage that affects no indexed blob any more, and the fact of being broken, are notices.
 */
import {closeSync, existsSync, fstatSync, openSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import type {Catalog} from '../../base/catalog/catalog.js';
import {parseMailboxName} from '../../core/event/mailbox-name.js';
import {BonnieError} from '../../base/errors.js';
import {BlobDecompressor, blobHex, openFrame} from './blob/blob.js';
import {NO_MESSAGES, type ArchivedMessageLookup, type ArchivedMessageRef} from './index/archived-message-ref.js';
import {ArchiveLock} from './index/lock.js';
import {ArchiveIndex, assertReadableFormat, type SegmentRecord, type SegmentState} from './index/repository.js';
import {namedMemberName, readMember, readNamedMember, readPartMember} from './segment/member.js';
import {openManifestReading} from './blob/manifest.js';
import {ArchiveReader} from './reader.js';
import type {BlobId} from './blob/blob.js';
import {readArchiveFormat} from './version-file.js';
import {SEGMENTS_DIR, preadFully} from './segment/segment-file.js';
import {TAR_END_BYTES, memberSpan} from './segment/tar.js';
import {isPermissionDenied, permissionDenied} from '../../base/system/ownership.js';

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
  | 'SegmentUnknown'
  /** A segment the index marks broken (a notice): `blobs` are those not stored again elsewhere yet. */
  | 'SegmentBroken';

/** One thing verify found. */
export interface ArchiveProblem {
  kind: ArchiveProblemKind;
  severity: 'error' | 'notice';
  segmentId: string;
  /** Relative to the archive folder. */
  path: string;
  /** The segment's state in the index; null for a file the index does not know. */
  segmentState: SegmentState | null;
  /** Hex ids of the blobs affected. */
  blobs: string[];
  /** The messages whose bytes those blobs are (a blob no message links to adds none), by folder and UID. */
  messages: ArchivedMessageRef[];
  detail: string;
}

export interface VerifyArchiveOptions {
  /** Also decompress and re-hash every blob's data (reads the whole archive). */
  readData?: boolean;
  /** With readData: read the data of about this percentage of segments, chosen at random (default 100). */
  subsetPercent?: number;
  /** Random source for the subset, in [0, 1) (tests). */
  random?: () => number;
  /** Called after each segment checked. */
  onProgress?: (progress: VerifyProgress) => void;
  /** Names the messages behind the blobs a problem affects (pipeline/collect/archived-messages.ts); default: none. */
  messages?: ArchivedMessageLookup;
}

/** How far {@link verifyArchive} is. */
export interface VerifyProgress {
  /** Segments checked so far, of `segments`. */
  checked: number;
  segments: number;
  /** Blobs checked so far, and of them decompressed and re-hashed. */
  blobs: number;
  blobsRead: number;
  /** Bytes of the segments whose data was read so far. */
  bytesRead: number;
  /** The segment just checked, relative to the archive folder. */
  segment: string;
}

export interface ArchiveVerifyReport {
  segments: number;
  blobs: number;
  /** Blobs whose data was decompressed and re-hashed. */
  blobsRead: number;
  /** Segments the index marks broken. */
  brokenSegments: number;
  problems: ArchiveProblem[];
  /** No problem of severity "error". */
  sound: boolean;
}

/**
 * Checks every index row of the archive at `archiveDir` against its segment file. Never writes. Throws
 * ArchiveFormatUnknown, before reading any segment, when one is in a format this bonnie does not know.
 */
export function verifyArchive(catalog: Catalog, archiveDir: string, options: VerifyArchiveOptions = {}): ArchiveVerifyReport {
  const index = new ArchiveIndex(catalog.db);
  const decompressor = new BlobDecompressor();
  const {readData = false, subsetPercent = 100, random = Math.random} = options;
  const report: ArchiveVerifyReport = {segments: 0, blobs: 0, blobsRead: 0, brokenSegments: 0, problems: [], sound: true};
  const segments = index.listSegments();
  // Every format checked before any segment is read: an archive a newer bonnie wrote to is refused whole.
  for (const segment of segments) assertReadableFormat(segment);
  // A format it does not know is refused before any segment is read; a version file this user may not
  // read is reported after the segments, whose own PermissionDenied names the folder to repair first.
  let unreadableVersion: BonnieError | undefined;
  try {
    readArchiveFormat(archiveDir, catalog.path);
  } catch (error) {
    if (!(error instanceof BonnieError) || error.code !== 'PermissionDenied') throw error;
    unreadableVersion = error;
  }
  let bytesRead = 0;
  const reader = new ArchiveReader(catalog, archiveDir);
  try {
    for (const segment of segments) {
      report.segments++;
      const readThis = readData && random() * 100 < subsetPercent;
      checkSegment(index, decompressor, archiveDir, segment, readThis, report, catalog.path, (id) => readSoundPart(index, reader, decompressor, id));
      if (readThis) bytesRead += segment.bytes;
      options.onProgress?.({checked: report.segments, segments: segments.length, blobs: report.blobs, blobsRead: report.blobsRead, bytesRead, segment: segment.path});
    }
  } finally {
    reader.close();
  }
  // A segment a prune retired whose file a crash left behind: nothing refers to it, the next prune or
  // writer removes it; not damage, and not unknown.
  const known = new Set([...segments.map((s) => s.path), ...index.listRetired().map((r) => r.path)]);
  for (const path of listSegmentFiles(archiveDir, catalog.path)) {
    if (known.has(path)) continue;
    const id = path.slice(path.lastIndexOf('/') + 1).replace(/\.tar$/, '');
    report.problems.push({kind: 'SegmentUnknown', severity: 'notice', segmentId: id, path, segmentState: null, blobs: [], messages: [], detail: 'a segment file the index does not know; nothing refers to it'});
  }
  if (unreadableVersion !== undefined) throw unreadableVersion;
  const messages = options.messages ?? NO_MESSAGES;
  for (const problem of report.problems) problem.messages = messages.byBlobs(problem.blobs.map((hex) => Buffer.from(hex, 'hex')));
  report.sound = report.problems.every((p) => p.severity !== 'error');
  return report;
}

/**
 * Checks one segment's indexed blobs; adds what it finds to `report` (with `messages` left empty:
 * {@link verifyArchive} names them once every segment was checked). A segment this user may not read
 * throws `PermissionDenied` (naming its owner and the repair; `catalogPath` is whose owner to give it to):
 * it is not damage, and must never be marked broken.
 */
export function checkSegment(
  index: ArchiveIndex,
  decompressor: BlobDecompressor,
  archiveDir: string,
  segment: SegmentRecord,
  readData: boolean,
  report: ArchiveVerifyReport,
  catalogPath?: string,
  readPart: (id: BlobId) => Uint8Array | string = () => 'no part reader',
): void {
  assertReadableFormat(segment);
  const blobs = index.listBlobs(segment.id);
  report.blobs += blobs.length;
  const broken = segment.state === 'broken';
  const problem = (kind: ArchiveProblemKind, affected: string[], detail: string): void => {
    // In a segment already known broken, damage that no indexed blob depends on any more loses nothing; nor
    // in an open one no blob was indexed in yet (a writer or prune that died between recording its new
    // segment and creating or filling the file: the next one removes it).
    const severity = (broken || segment.state === 'open') && affected.length === 0 ? 'notice' : 'error';
    report.problems.push({kind, severity, segmentId: segment.id, path: segment.path, segmentState: segment.state, blobs: affected, messages: [], detail});
  };
  if (broken) {
    report.brokenSegments++;
    report.problems.push({
      kind: 'SegmentBroken',
      severity: 'notice',
      segmentId: segment.id,
      path: segment.path,
      segmentState: segment.state,
      blobs: blobs.map((b) => blobHex(b.id)),
      messages: [],
      detail:
        blobs.length === 0
          ? 'marked broken; every blob it held was stored again elsewhere: nothing refers to it any more'
          : `marked broken; ${blobs.length} blob(s) in it not stored again yet (bonnie archive stores them again when it meets their messages)`,
    });
  }
  const path = join(archiveDir, segment.path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if (isPermissionDenied(error)) throw permissionDenied('read segment', path, error, catalogPath);
    const code = (error as NodeJS.ErrnoException).code;
    const naming = index.listParts(segment.id).flatMap((p) => index.partReferrers(p.id).map(blobHex));
    problem('SegmentMissing', [...new Set([...blobs.map((b) => blobHex(b.id)), ...naming])], code === 'ENOENT' ? 'the segment file is missing' : `the segment file cannot be opened: ${code}`);
    return;
  }
  try {
    const size = fstatSync(fd).size;
    const lost = blobs.filter((b) => b.headerOffset + memberSpan(b.storedLength) > size);
    const partsLost = index.listParts(segment.id).filter((p) => p.headerOffset + memberSpan(p.storedLength) > size);
    if (size < segment.bytes || lost.length > 0) {
      problem('SegmentTruncated', [...lost.map((b) => blobHex(b.id)), ...partsLost.flatMap((p) => index.partReferrers(p.id).map(blobHex))], `the file is ${size} bytes; the index recorded ${segment.bytes}`);
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
      const bytes = blob.manifest === true ? openManifestReading(decompressor, frame, readPart, blob.id, blob.originalLength, 'check') : openFrame(decompressor, frame, blob.id, blob.originalLength);
      // A part that cannot be read is reported where it is (its segment), against every message naming it.
      if (typeof bytes === 'string' && !bytes.startsWith('part ')) problem('BlobCorrupt', [hex], `at offset ${blob.headerOffset}: ${bytes}`);
    }
    // Part blobs (archive format 3): damage to one is damage to every message that names it.
    for (const part of index.listParts(segment.id)) {
      const hex = blobHex(part.id);
      const referrers = () => index.partReferrers(part.id).map(blobHex);
      if (part.headerOffset + memberSpan(part.storedLength) > size) continue; // in the SegmentTruncated above
      const frame = readPartMember(fd, part);
      if (typeof frame === 'string') {
        problem('MemberMismatch', referrers(), `part ${hex}: ${frame}`);
        continue;
      }
      if (!readData) continue;
      const bytes = openFrame(decompressor, frame, part.id, part.originalLength);
      if (typeof bytes === 'string') problem('BlobCorrupt', referrers(), `part ${hex} at offset ${part.headerOffset}: ${bytes}`);
    }
    // Members of other types (archive format 2): the record, snapshots, links. No blob depends on them.
    for (const member of index.listMembers(segment.id)) {
      const name = namedMemberName(member.kind, member.firstId, member.lastId);
      if (member.headerOffset + memberSpan(member.storedLength) > size) {
        problem('SegmentTruncated', [], `member ${name} ends past the file's end (${size} bytes)`);
        continue;
      }
      const frame = readNamedMember(fd, member, name);
      if (typeof frame === 'string') {
        problem('MemberMismatch', [], frame);
        continue;
      }
      if (!readData) continue;
      const bytes = openFrame(decompressor, frame, member.sha256, member.originalLength);
      if (typeof bytes === 'string') problem('BlobCorrupt', [], `member ${name} at offset ${member.headerOffset}: ${bytes}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** A part's frame for reassembly, or why not: its member must read and open to its own id (else it is reported where it is). */
function readSoundPart(index: ArchiveIndex, reader: ArchiveReader, decompressor: BlobDecompressor, id: BlobId): Uint8Array | string {
  const frame = reader.readPartFrame(id);
  if (typeof frame === 'string') return frame;
  const opened = openFrame(decompressor, frame, id, index.getPart(id)?.originalLength ?? -1);
  return typeof opened === 'string' ? opened : frame;
}

/** What {@link markBrokenSegments} did. */
export interface MarkBrokenResult {
  /** Segments marked broken now, with how many blobs each holds (segments already broken are not listed). */
  segments: Array<{id: string; path: string; blobs: number}>;
  /**
   * Every message whose blob is in those segments: each counts as not archived until stored again
   * (the damaged ones are in the report's problems).
   */
  messages: ArchivedMessageRef[];
  /** Logins owning the folders of those messages, for `bonnie archive --user`. */
  users: string[];
  /** What to do next. */
  hint: string;
}

/**
 * Marks broken, in one transaction, every segment in which `report` found an error, so that its blobs
 * count as not archived: the archive writer stores a message again when it meets it (`bonnie archive`
 * re-reads every message whose blob is not in a sound segment). Takes the archive lock for the write, so
 * no writer is appending to a segment being marked; throws ArchiveLocked when another writer holds it
 * (nothing is marked then). Idempotent: segments already broken are left as they are.
 */
export function markBrokenSegments(catalog: Catalog, report: ArchiveVerifyReport, lookup: ArchivedMessageLookup = NO_MESSAGES, now = Date.now()): MarkBrokenResult {
  const index = new ArchiveIndex(catalog.db);
  const candidates = [...new Set(report.problems.filter((p) => p.severity === 'error' && p.segmentState !== null && p.segmentState !== 'broken').map((p) => p.segmentId))];
  let marked: string[] = [];
  if (candidates.length > 0) {
    const lock = new ArchiveLock(catalog.db);
    const holder = lock.acquire(now);
    if (holder !== undefined) {
      throw new BonnieError('ArchiveLocked', `an archive writer holds the archive (${holder.owner}, pid ${holder.pid} on ${holder.host}): no segment was marked broken`, {
        hint: 'Run "bonnie verify --mark-broken" again when it has finished (bonnie collector --follow holds the lock only while it has work).',
      });
    }
    try {
      marked = index.markAllBroken(candidates);
    } finally {
      lock.release();
    }
  }
  const segments = marked.map((id) => {
    const segment = index.getSegment(id);
    return {id, path: segment?.path ?? '', blobs: index.listBlobs(id).length};
  });
  // With the messages whose parts (archive format 3) are in those segments: they count as not archived too.
  const messages = lookup.byBlobs(marked.flatMap((id) => [...index.listBlobs(id).map((b) => b.id), ...index.listParts(id).flatMap((p) => index.partReferrers(p.id))]));
  const users = [...new Set(messages.flatMap((m) => (m.mailboxName === null ? [] : (parseMailboxName(m.mailboxName).owner ?? []))))].sort();
  const byUser = users.length === 0 ? '' : ` (or ${users.slice(0, 3).map((u) => `--user ${u}`).join(', ')}${users.length > 3 ? ', ...' : ''})`;
  const hint =
    segments.length === 0
      ? 'Nothing was marked.'
      : `Run "bonnie archive --all"${byUser} to store again what Cyrus still holds; what it no longer holds cannot be stored again, and "bonnie verify" keeps reporting what is damaged.`;
  return {segments, messages, users, hint};
}

/** Segment files on disk, relative to the archive folder. */
export function listSegmentFiles(archiveDir: string, catalogPath: string): string[] {
  const root = join(archiveDir, SEGMENTS_DIR);
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const list = (folder: string): string[] => {
    try {
      return readdirSync(folder);
    } catch (error) {
      throw isPermissionDenied(error) ? permissionDenied('list', folder, error, catalogPath) : error;
    }
  };
  for (const shard of list(root)) {
    if (!statSync(join(root, shard)).isDirectory()) continue;
    for (const file of list(join(root, shard))) {
      if (file.endsWith('.tar')) found.push(join(SEGMENTS_DIR, shard, file));
    }
  }
  return found;
}
