/**
 * Repacking segments, as restic's prune does (issue 17): the segments that hold a blob to drop are copied,
 * member by member, minus those blobs, into new segments; the copies are fsynced and read back (every kept
 * blob decompressed and re-hashed) before anything in the index changes. The caller then points the index
 * at the copies and retires the old segments in one catalog transaction ({@link ArchiveIndex.commitRepack}),
 * and only after that commit removes the old files ({@link removeRetiredSegments}).
 *
 * Crash safety (the archive lock held throughout, so no writer runs meanwhile):
 * - before the commit, the index still names the old segments, untouched: nothing is lost; the new
 *   segments are `open` rows with no blob (the row is inserted before the file is created), which the next
 *   prune or archive writer removes with their files ({@link removeOrphanSegments}) and verify does not count
 *   as damage;
 * - after it, the old segments are rows of segment_retired until their files are gone: the next prune or
 *   writer finishes the removal.
 *
 * Members are copied byte for byte (tar header, zstd frame, padding): a blob's member name, stored time and
 * frame stay what the writer wrote.
 */
import {closeSync, openSync} from 'node:fs';
import {dirname, join} from 'node:path';
import type {Catalog} from '../../base/catalog/catalog.js';
import {fsyncFolder, removeIfPresent} from '../../base/system/files.js';
import {BlobDecompressor, blobHex, openFrame, type BlobId} from './blob/blob.js';
import {ArchiveIndex, assertReadableFormat, type BlobRecord, type MemberRecord, type SegmentRecord} from './index/repository.js';
import {namedMemberName, readMember, readNamedMember} from './segment/member.js';
import {readArchiveFormat} from './version-file.js';
import {DEFAULT_SEGMENT_LIMIT_BYTES, SegmentAppender, newSegmentId, preadFully, segmentRelativePath} from './segment/segment-file.js';
import {TAR_BLOCK, TAR_END_BYTES, memberSpan} from './segment/tar.js';

/** Bytes read from an old segment at most per copy (consecutive kept members are copied together). */
const COPY_CHUNK_BYTES = 16 * 1024 * 1024;

export interface RepackOptions {
  /** A new segment is closed before a member would take it past this size, in bytes (default 64 MiB). */
  segmentLimitBytes?: number;
  now?: () => number;
  /** Called after each old segment is copied. */
  onProgress?: (progress: RepackProgress) => void;
  /** Called after each old segment: renews the archive lock; false means it was lost (the repack stops). */
  renew?: () => boolean;
}

export interface RepackProgress {
  /** Old segments copied so far, of `segments`. */
  done: number;
  segments: number;
  /** Bytes of the old segments read so far. */
  bytesRead: number;
  /** The old segment just copied, relative to the archive folder. */
  segment: string;
}

/** What a repack wrote and verified; nothing of it is in the index until {@link ArchiveIndex.commitRepack}. */
export interface Repack {
  /** The old segments (each held a blob to drop): retired by the commit. */
  retired: SegmentRecord[];
  /** The new segments, sealed, fsynced and verified. */
  newSegments: Array<{id: string; path: string; bytes: number}>;
  /** Kept blobs, with their places in the new segments. */
  moved: BlobRecord[];
  /** Members of other types (record, snapshots, links: archive format 2), every one carried over unchanged. */
  movedMembers: Array<{from: MemberRecord; to: MemberRecord}>;
  /** The blobs dropped, as the index had them. */
  dropped: BlobRecord[];
  /** Bytes of the old segments, and of the new ones. */
  bytesBefore: number;
  bytesAfter: number;
}

/**
 * Copies every segment holding one of `drop` into new segments without those blobs, then reads back every
 * copied blob (decompressed, re-hashed). The segments must be closed and not broken (the caller leaves
 * the others out). Throws on any I/O or verify error, after removing what it wrote (rows and files).
 */
export function repackSegments(catalog: Catalog, archiveDir: string, drop: readonly BlobId[], options: RepackOptions = {}): Repack {
  const index = new ArchiveIndex(catalog.db);
  readArchiveFormat(archiveDir);
  const now = options.now ?? Date.now;
  const limit = options.segmentLimitBytes ?? DEFAULT_SEGMENT_LIMIT_BYTES;
  const dropped = new Map<string, BlobRecord>();
  for (const id of drop) {
    const blob = index.getBlob(id);
    if (blob !== undefined) dropped.set(blobHex(id), blob);
  }
  const segmentIds = [...new Set([...dropped.values()].map((b) => b.segmentId))];
  const retired = segmentIds.map((id) => index.getSegment(id)).filter((s): s is SegmentRecord => s !== undefined);
  retired.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  for (const segment of retired) {
    assertReadableFormat(segment);
    if (segment.state !== 'closed') throw new Error(`segment ${segment.id} is ${segment.state}: only closed segments are repacked`);
  }
  const result: Repack = {retired, newSegments: [], moved: [], movedMembers: [], dropped: [...dropped.values()], bytesBefore: 0, bytesAfter: 0};
  const written: Array<{id: string; path: string}> = [];
  let out: {appender: SegmentAppender; members: BlobRecord[]; others: MemberRecord[]} | undefined;

  const finish = (): void => {
    if (out === undefined) return;
    const {appender, members, others} = out;
    out = undefined;
    const bytes = appender.seal();
    verifyCopies(join(archiveDir, segmentRelativePath(appender.id)), appender.id, members, others);
    result.newSegments.push({id: appender.id, path: segmentRelativePath(appender.id), bytes});
    result.bytesAfter += bytes;
  };
  const target = (span: number): {appender: SegmentAppender; members: BlobRecord[]; others: MemberRecord[]} => {
    if (out !== undefined && out.appender.end > 0 && out.appender.end + span + TAR_END_BYTES > limit) finish();
    if (out === undefined) {
      const id = newSegmentId();
      // The row first: a crash from here on leaves an open segment with no blob, which is removed, never trusted.
      index.addSegment(id, segmentRelativePath(id), now());
      written.push({id, path: segmentRelativePath(id)});
      out = {appender: SegmentAppender.create(archiveDir, id, catalog.path), members: [], others: []};
    }
    return out;
  };

  try {
    let bytesRead = 0;
    for (const [i, segment] of retired.entries()) {
      result.bytesBefore += segment.bytes;
      const path = join(archiveDir, segment.path);
      // Every member but the dropped blobs, in file order: members of other types are carried over unchanged.
      const kept: Kept[] = [
        ...index
          .listBlobs(segment.id)
          .filter((b) => !dropped.has(blobHex(b.id)))
          .map((blob) => ({headerOffset: blob.headerOffset, storedLength: blob.storedLength, blob})),
        ...index.listMembers(segment.id).map((member) => ({headerOffset: member.headerOffset, storedLength: member.storedLength, member})),
      ].sort((a, b) => a.headerOffset - b.headerOffset);
      const fd = openSync(path, 'r');
      try {
        for (let at = 0; at < kept.length; ) {
          // A run: consecutive members, copied with one read and one write, that fit in the new segment.
          const first = kept[at] as Kept;
          const dest = target(memberSpan(first.storedLength));
          let end = at + 1;
          let span = memberSpan(first.storedLength);
          while (end < kept.length) {
            const next = kept[end] as Kept;
            const nextSpan = memberSpan(next.storedLength);
            if (next.headerOffset !== first.headerOffset + span || span + nextSpan > COPY_CHUNK_BYTES || dest.appender.end + span + nextSpan + TAR_END_BYTES > limit) break;
            span += nextSpan;
            end++;
          }
          const bytes = preadFully(fd, first.headerOffset, span);
          if (bytes.length !== span) throw new Error(`segment ${segment.id} ends before offset ${first.headerOffset + span}`);
          const start = dest.appender.appendMembers(bytes);
          for (const entry of kept.slice(at, end)) {
            const headerOffset = start + (entry.headerOffset - first.headerOffset);
            const place = {segmentId: dest.appender.id, headerOffset, dataOffset: headerOffset + TAR_BLOCK};
            if (entry.blob !== undefined) {
              const moved = {...entry.blob, ...place};
              dest.members.push(moved);
              result.moved.push(moved);
            } else if (entry.member !== undefined) {
              const to = {...entry.member, ...place};
              dest.others.push(to);
              result.movedMembers.push({from: entry.member, to});
            }
          }
          at = end;
        }
      } finally {
        closeSync(fd);
      }
      bytesRead += segment.bytes;
      if (options.renew !== undefined && !options.renew()) throw new Error('the archive lock was lost (expired and taken by another writer)');
      options.onProgress?.({done: i + 1, segments: retired.length, bytesRead, segment: segment.path});
    }
    finish();
  } catch (error) {
    out?.appender.abandon();
    for (const w of written) {
      removeIfPresent(join(archiveDir, w.path));
      index.dropEmptySegment(w.id);
    }
    throw error;
  }
  return result;
}

/** A member to copy: a blob kept, or a member of another type. */
interface Kept {
  headerOffset: number;
  storedLength: number;
  blob?: BlobRecord;
  member?: MemberRecord;
}

/** Reads back every member copied into a new segment: the header names the blob, the frame decompresses to bytes of its hash. */
function verifyCopies(path: string, segmentId: string, members: readonly BlobRecord[], others: readonly MemberRecord[] = []): void {
  const decompressor = new BlobDecompressor();
  const fd = openSync(path, 'r');
  try {
    for (const blob of members) {
      const frame = readMember(fd, blob);
      const bytes = typeof frame === 'string' ? frame : openFrame(decompressor, frame, blob.id, blob.originalLength);
      if (typeof bytes === 'string') throw new Error(`verify after repack: blob ${blobHex(blob.id)} in new segment ${segmentId} at offset ${blob.headerOffset}: ${bytes}`);
    }
    for (const member of others) {
      const name = namedMemberName(member.kind, member.firstId, member.lastId);
      const frame = readNamedMember(fd, member, name);
      const bytes = typeof frame === 'string' ? frame : openFrame(decompressor, frame, member.sha256, member.originalLength);
      if (typeof bytes === 'string') throw new Error(`verify after repack: member ${name} in new segment ${segmentId} at offset ${member.headerOffset}: ${bytes}`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the files of segments a committed repack retired, then their rows (after fsyncing the folder):
 * run after the commit, and again by the next prune or writer when a crash came between. Returns how many.
 */
export function removeRetiredSegments(catalog: Catalog, archiveDir: string): number {
  const index = new ArchiveIndex(catalog.db);
  const retired = index.listRetired();
  const folders = new Set<string>();
  for (const r of retired) {
    removeIfPresent(join(archiveDir, r.path));
    folders.add(dirname(join(archiveDir, r.path)));
  }
  for (const folder of folders) fsyncFolder(folder);
  for (const r of retired) index.forgetRetired(r.id);
  return retired.length;
}

/**
 * Removes segments left `open` with no indexed blob (a repack or a writer that died before its first
 * commit), files and rows. Only while holding the archive lock: a live writer's new segment looks the same.
 */
export function removeOrphanSegments(catalog: Catalog, archiveDir: string): number {
  const index = new ArchiveIndex(catalog.db);
  let removed = 0;
  for (const segment of index.listSegments()) {
    if (segment.state !== 'open' || index.holdsAnything(segment.id)) continue;
    removeIfPresent(join(archiveDir, segment.path));
    index.dropEmptySegment(segment.id);
    removed++;
  }
  return removed;
}
