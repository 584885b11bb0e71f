/**
 * Repacking segments, as restic's prune does (issue 17): the segments that hold a blob to drop are copied,
 * member by member, minus those blobs, into new segments; the copies are fsynced and read back (every
 * copied run compared byte for byte with what was read, every member's header checked; with `verify: 'content'`
 * every kept blob decompressed and re-hashed too) before anything in the index changes. The caller then points the index
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
 * Part blobs (archive format 3) are counted by reference: a part is dropped with the last kept message
 * that names it (blob_part_ref), never while a message that is kept names it; its segment is repacked then.
 * A part no message refers to any more whose segment could not be repacked then (open or broken), or that
 * a rebuild indexed without its manifest, is dropped by the next repack that finds its segment closed.
 *
 * Members are copied byte for byte (tar header, zstd frame, padding): a blob's member name, stored time and
 * frame stay what the writer wrote.
 */
import {closeSync, openSync} from 'node:fs';
import {dirname, join} from 'node:path';
import type {Catalog} from '../../base/catalog/catalog.js';
import {fsyncFolder, removeIfPresent} from '../../base/system/files.js';
import {BlobDecompressor, blobHex, openFrame, type BlobId} from './blob/blob.js';
import {ArchiveIndex, assertReadableFormat, type BlobRecord, type MemberRecord, type PartRecord, type SegmentRecord} from './index/repository.js';
import {blobMemberName, namedMemberName, partMemberName, readNamedMember} from './segment/member.js';
import {readArchiveFormat} from './version-file.js';
import {DEFAULT_SEGMENT_LIMIT_BYTES, SegmentAppender, newSegmentId, preadFully, segmentRelativePath} from './segment/segment-file.js';
import {TAR_BLOCK, TAR_END_BYTES, decodeHeader, memberSpan} from './segment/tar.js';

/** Bytes read from an old segment at most per pread (consecutive members, kept or not). */
const COPY_CHUNK_BYTES = 16 * 1024 * 1024;
/** Members written at most per writev (below IOV_MAX, 1024 on Linux). */
const WRITE_PIECES = 512;

export interface RepackOptions {
  /** A new segment is closed before a member would take it past this size, in bytes (default 64 MiB). */
  segmentLimitBytes?: number;
  now?: () => number;
  /** Called after each old segment is copied. */
  onProgress?: (progress: RepackProgress) => void;
  /** Called after each old segment: renews the archive lock; false means it was lost (the repack stops). */
  renew?: () => boolean;
  /**
   * How the copies are checked once fsynced: `bytes` (default) reads every copied run back and compares it
   * byte for byte with what was read from the old segment, and checks each member's tar header names its
   * blob and length; `content` also decompresses every kept blob and re-hashes it against its id (what
   * `verify --read-data` does; several times slower).
   */
  verify?: 'bytes' | 'content';
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
  /** Part blobs (archive format 3) kept, at their new places, and those dropped: no kept message names them. */
  movedParts: PartRecord[];
  droppedParts: PartRecord[];
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
  // Parts only the dropped messages name go with them, unless their segment cannot be repacked (open or
  // broken): then they stay, unreferenced, until that segment is closed and a later prune takes them with
  // every other part no message refers to.
  const droppedParts = new Map(
    [...index.partsOnlyReferredBy([...dropped.values()].map((b) => b.id)), ...index.unreferencedParts()]
      .filter((p) => index.getSegment(p.segmentId)?.state === 'closed')
      .map((p) => [blobHex(p.id), p]),
  );
  const segmentIds = [...new Set([...dropped.values(), ...droppedParts.values()].map((b) => b.segmentId))];
  const retired = segmentIds.map((id) => index.getSegment(id)).filter((s): s is SegmentRecord => s !== undefined);
  retired.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  for (const segment of retired) {
    assertReadableFormat(segment);
    if (segment.state !== 'closed') throw new Error(`segment ${segment.id} is ${segment.state}: only closed segments are repacked`);
  }
  const result: Repack = {retired, newSegments: [], moved: [], movedMembers: [], dropped: [...dropped.values()], movedParts: [], droppedParts: [...droppedParts.values()], bytesBefore: 0, bytesAfter: 0};
  const written: Array<{id: string; path: string}> = [];
  let out: NewSegment | undefined;

  /** Writes the members queued for the new segment with one positioned writev; kept for the read-back. */
  const flush = (dest: NewSegment): void => {
    if (dest.pending.length === 0) return;
    const offset = dest.appender.appendMembers(dest.pending);
    dest.runs.push({offset, pieces: dest.pending});
    dest.pending = [];
  };
  const finish = (): void => {
    if (out === undefined) return;
    const dest = out;
    out = undefined;
    flush(dest);
    const bytes = dest.appender.seal();
    verifyCopies(join(archiveDir, segmentRelativePath(dest.appender.id)), dest.appender.id, dest.members, dest.runs, options.verify ?? 'bytes');
    verifyOthers(join(archiveDir, segmentRelativePath(dest.appender.id)), dest.appender.id, dest.others, options.verify ?? 'bytes');
    verifyParts(join(archiveDir, segmentRelativePath(dest.appender.id)), dest.appender.id, dest.parts, options.verify ?? 'bytes');
    result.newSegments.push({id: dest.appender.id, path: segmentRelativePath(dest.appender.id), bytes});
    result.bytesAfter += bytes;
  };
  /** The new segment a member of `span` bytes goes into (the current one, or a new one when it would pass the limit). */
  const target = (span: number): NewSegment => {
    if (out !== undefined && out.queued > 0 && out.queued + span + TAR_END_BYTES > limit) finish();
    if (out === undefined) {
      const id = newSegmentId();
      // The row first: a crash from here on leaves an open segment with no blob, which is removed, never trusted.
      index.addSegment(id, segmentRelativePath(id), now());
      written.push({id, path: segmentRelativePath(id)});
      out = {appender: SegmentAppender.create(archiveDir, id, catalog.path), members: [], others: [], parts: [], runs: [], pending: [], queued: 0};
    }
    return out;
  };

  try {
    let bytesRead = 0;
    for (const [i, segment] of retired.entries()) {
      result.bytesBefore += segment.bytes;
      const path = join(archiveDir, segment.path);
      // Every member in file order: blobs (the dropped ones are skipped below) and members of other types,
      // which are carried over unchanged.
      const blobs: Kept[] = [
        ...index.listBlobs(segment.id).map((blob) => ({headerOffset: blob.headerOffset, storedLength: blob.storedLength, blob})),
        ...index.listMembers(segment.id).map((member) => ({headerOffset: member.headerOffset, storedLength: member.storedLength, member})),
        ...index.listParts(segment.id).map((part) => ({headerOffset: part.headerOffset, storedLength: part.storedLength, part})),
      ].sort((a, b) => a.headerOffset - b.headerOffset);
      const fd = openSync(path, 'r');
      try {
        for (let at = 0; at < blobs.length; ) {
          // A chunk: consecutive members (kept or not) read with one pread; the kept ones are queued as slices.
          const first = blobs[at] as Kept;
          let end = at + 1;
          let span = memberSpan(first.storedLength);
          while (end < blobs.length) {
            const next = blobs[end] as Kept;
            if (next.headerOffset !== first.headerOffset + span || span + memberSpan(next.storedLength) > COPY_CHUNK_BYTES) break;
            span += memberSpan(next.storedLength);
            end++;
          }
          const chunk = preadFully(fd, first.headerOffset, span);
          if (chunk.length !== span) throw new Error(`segment ${segment.id} ends before offset ${first.headerOffset + span}`);
          for (const entry of blobs.slice(at, end)) {
            if (entry.blob !== undefined && dropped.has(blobHex(entry.blob.id))) continue;
            if (entry.part !== undefined && droppedParts.has(blobHex(entry.part.id))) continue;
            const member = memberSpan(entry.storedLength);
            const dest = target(member);
            const headerOffset = dest.queued;
            dest.pending.push(chunk.subarray(entry.headerOffset - first.headerOffset, entry.headerOffset - first.headerOffset + member));
            dest.queued += member;
            const place = {segmentId: dest.appender.id, headerOffset, dataOffset: headerOffset + TAR_BLOCK};
            if (entry.blob !== undefined) {
              const moved = {...entry.blob, ...place};
              dest.members.push(moved);
              result.moved.push(moved);
            } else if (entry.part !== undefined) {
              const moved = {...entry.part, ...place};
              dest.parts.push(moved);
              result.movedParts.push(moved);
            } else if (entry.member !== undefined) {
              const to = {...entry.member, ...place};
              dest.others.push(to);
              result.movedMembers.push({from: entry.member, to});
            }
            if (dest.pending.length >= WRITE_PIECES) flush(dest);
          }
          if (out !== undefined) flush(out);
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

/** A new segment being written: its appender, the blobs copied into it, and each run copied (where, what). */
interface NewSegment {
  appender: SegmentAppender;
  members: BlobRecord[];
  /** Members of other types copied into it. */
  others: MemberRecord[];
  /** Part blobs copied into it. */
  parts: PartRecord[];
  /** What was written where (one writev each), kept until the segment is read back (at most one segment's size). */
  runs: Array<{offset: number; pieces: Buffer[]}>;
  /** Members queued for the next writev, and the segment's length once they are written. */
  pending: Buffer[];
  queued: number;
}

/** A member of an old segment, in file order: a blob, or a member of another type. */
interface Kept {
  headerOffset: number;
  storedLength: number;
  blob?: BlobRecord;
  member?: MemberRecord;
  part?: PartRecord;
}

/** Reads back the part blobs copied into a new segment: header (name, length) and, with `content`, the frame. */
function verifyParts(path: string, segmentId: string, parts: readonly PartRecord[], mode: 'bytes' | 'content'): void {
  if (parts.length === 0) return;
  const decompressor = new BlobDecompressor();
  const fd = openSync(path, 'r');
  try {
    for (const p of parts) {
      const frame = readNamedMember(fd, p, partMemberName(p.id));
      const opened = typeof frame === 'string' || mode === 'bytes' ? frame : openFrame(decompressor, frame, p.id, p.originalLength);
      if (typeof opened === 'string') throw new Error(`verify after repack: part ${blobHex(p.id)} in new segment ${segmentId} at offset ${p.headerOffset}: ${opened}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads back the members of other types copied into a new segment: header (name, length) and, with `content`, the frame. */
function verifyOthers(path: string, segmentId: string, others: readonly MemberRecord[], mode: 'bytes' | 'content'): void {
  if (others.length === 0) return;
  const decompressor = new BlobDecompressor();
  const fd = openSync(path, 'r');
  try {
    for (const m of others) {
      const name = namedMemberName(m.kind, m.firstId, m.lastId);
      const frame = readNamedMember(fd, m, name);
      const opened = typeof frame === 'string' || mode === 'bytes' ? frame : openFrame(decompressor, frame, m.sha256, m.originalLength);
      if (typeof opened === 'string') throw new Error(`verify after repack: member ${name} in new segment ${segmentId} at offset ${m.headerOffset}: ${opened}`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a sealed new segment back: every copied run is byte for byte what was read from the old segment
 * (kept in memory meanwhile), and each member's header names its blob and length; with `content`, each blob also decompresses to bytes of
 * its hash. Throws on the first difference.
 */
function verifyCopies(path: string, segmentId: string, members: readonly BlobRecord[], runs: NewSegment['runs'], mode: 'bytes' | 'content'): void {
  const failed = (blob: BlobRecord, reason: string) => new Error(`verify after repack: blob ${blobHex(blob.id)} in new segment ${segmentId} at offset ${blob.headerOffset}: ${reason}`);
  const decompressor = new BlobDecompressor();
  const fd = openSync(path, 'r');
  try {
    let next = 0;
    for (const run of runs) {
      const length = run.pieces.reduce((n, p) => n + p.length, 0);
      const bytes = preadFully(fd, run.offset, length);
      let at = 0;
      for (const piece of run.pieces) {
        if (bytes.length < at + piece.length || !bytes.subarray(at, at + piece.length).equals(piece)) {
          throw new Error(`verify after repack: the ${piece.length} bytes copied to new segment ${segmentId} at offset ${run.offset + at} do not read back as written`);
        }
        at += piece.length;
      }
      for (; next < members.length && (members[next] as BlobRecord).headerOffset < run.offset + length; next++) {
        const blob = members[next] as BlobRecord;
        const start = blob.headerOffset - run.offset;
        const header = decodeHeader(bytes.subarray(start, start + TAR_BLOCK));
        if (typeof header === 'string') throw failed(blob, `no valid tar header: ${header}`);
        if (header.name !== blobMemberName(blob) || header.size !== blob.storedLength) throw failed(blob, `the header names ${header.name} of ${header.size} bytes`);
        // A manifest's frame is copied byte for byte and compared above; its message is checked by verify --read-data.
        if (mode === 'content' && blob.manifest !== true) {
          const opened = openFrame(decompressor, bytes.subarray(start + TAR_BLOCK, start + TAR_BLOCK + blob.storedLength), blob.id, blob.originalLength);
          if (typeof opened === 'string') throw failed(blob, opened);
        }
      }
    }
    if (next !== members.length) throw new Error(`verify after repack: new segment ${segmentId} holds ${next} of its ${members.length} members`);
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
