/**
 * The archive index read back from the segment files alone (issue 19, `bonnie rebuild`): every segment
 * under `segments/` walked member by member; each blob decompressed and re-hashed (a member whose bytes
 * are not its name's message is skipped and counted, never indexed); each member of another type
 * (archive format 2: record, snapshot, links) decompressed and handed to the caller. Segments are read in
 * the order their first member was stored; a split message's manifest (archive format 3) is indexed with
 * the parts it names (each part re-hashed against its name), and its message reassembled and re-hashed
 * (rebuild-split-check.ts: at once from the parts just read, or at the end from the index): one that does
 * not give back its message is skipped and counted like a blob; a blob found twice (a copy a crash or a
 * prune left) keeps the newer copy. A segment whose end-of-archive blocks are missing (a writer died) is indexed `open`, up to
 * its last whole member: the next writer seals it.
 */
import {closeSync, openSync} from 'node:fs';
import {basename, join} from 'node:path';
import type {Catalog} from '../../base/catalog/catalog.js';
import {BlobDecompressor, hashBlob, parseBlobHex, type BlobId} from './blob/blob.js';
import {manifestPartIds, parseManifest} from './blob/manifest.js';
import {ArchiveIndex, type BlobRecord, type MemberKind, type MemberRecord, type PartRecord} from './index/repository.js';
import {parseMemberName} from './segment/member.js';
import {walkSegment, type WalkEnd} from './segment/walk.js';
import {TAR_END_BYTES} from './segment/tar.js';
import {listSegmentFiles} from './verify.js';
import {readArchiveFormat} from './version-file.js';
import {SplitCheck} from './rebuild-split-check.js';

/** A member of another type than a blob, decompressed. */
export interface RebuiltMember {
  kind: MemberKind;
  firstId: number;
  lastId: number;
  content: Buffer;
  /** The segment it was read from (relative path), for messages. */
  segment: string;
}

export interface IndexRebuildProgress {
  segments: number;
  segmentsDone: number;
  blobs: number;
  bytesRead: number;
}

export interface IndexRebuildSummary {
  /** The archive's format (its version file; 1 without one). */
  format: number;
  segments: number;
  blobs: number;
  members: number;
  /** Segments indexed open (no end-of-archive blocks). */
  openSegments: number;
  /** Members skipped: a blob whose bytes are not its message, a frame that does not decompress, a name not of this format. */
  skipped: Array<{segment: string; offset: number; name: string; reason: string}>;
}

/**
 * Indexes every segment of `archiveDir` into `catalog` (whose index must be empty), one transaction per
 * segment, and calls `onMember` for each non-blob member in file order, segment after segment.
 */
export function rebuildArchiveIndex(
  catalog: Catalog,
  archiveDir: string,
  onMember: (member: RebuiltMember) => void,
  onProgress?: (progress: IndexRebuildProgress) => void,
): IndexRebuildSummary {
  const format = readArchiveFormat(archiveDir);
  const index = new ArchiveIndex(catalog.db);
  const decompressor = new BlobDecompressor();
  const summary: IndexRebuildSummary = {format, segments: 0, blobs: 0, members: 0, openSegments: 0, skipped: []};
  const files = listSegmentFiles(archiveDir, catalog.path).map((path) => ({path, first: firstStoredAt(join(archiveDir, path))}));
  files.sort((a, b) => a.first - b.first || a.path.localeCompare(b.path));
  const split = new SplitCheck();
  let bytesRead = 0;
  for (const [i, file] of files.entries()) {
    const id = basename(file.path, '.tar');
    const blobs: BlobRecord[] = [];
    const members: MemberRecord[] = [];
    const parts: PartRecord[] = [];
    const found: RebuiltMember[] = [];
    let end: WalkEnd = {end: 0, sealed: false, fileBytes: 0};
    let segmentFormat = 1;
    const fd = openSync(join(archiveDir, file.path), 'r');
    try {
      for (const m of walkSegment(fd, (e) => (end = e))) {
        const skip = (reason: string) => summary.skipped.push({segment: file.path, offset: m.headerOffset, name: m.name, reason});
        const name = parseMemberName(m.name);
        if (name === undefined) {
          skip('not a member name of this archive format');
          continue;
        }
        const storedAt = m.mtime * 1000;
        const place = {segmentId: id, headerOffset: m.headerOffset, dataOffset: m.dataOffset, storedLength: m.size, storedAt};
        if (name.type === 'blob') {
          const blobId = parseBlobHex(name.hex);
          const length = frameLength(decompressor, m.data, blobId);
          if (typeof length === 'string') {
            skip(length);
            continue;
          }
          blobs.push({...place, id: blobId, originalLength: length});
          continue;
        }
        if (name.type === 'part' || name.type === 'manifest') {
          let content: Buffer;
          try {
            content = decompressor.decompress(m.data);
          } catch (error) {
            skip(`the frame does not decompress: ${(error as Error).message}`);
            continue;
          }
          segmentFormat = 3;
          const id = parseBlobHex(name.hex);
          if (name.type === 'part') {
            if (!hashBlob(content).equals(id)) skip('decompressed bytes do not hash to the part id');
            else {
              parts.push({...place, id, originalLength: content.length});
              split.part(name.hex, content);
            }
            continue;
          }
          const manifest = parseManifest(content);
          const wrong = typeof manifest === 'string' ? manifest : split.manifest(manifest, id, place.segmentId, {segment: file.path, offset: m.headerOffset, name: m.name});
          if (typeof manifest === 'string' || wrong !== undefined) skip(wrong ?? 'not a manifest');
          else blobs.push({...place, id, originalLength: manifest.length, manifest: true, parts: manifestPartIds(manifest)});
          continue;
        }
        let content: Buffer;
        try {
          content = decompressor.decompress(m.data);
        } catch (error) {
          skip(`the frame does not decompress: ${(error as Error).message}`);
          continue;
        }
        segmentFormat = Math.max(segmentFormat, 2);
        members.push({...place, originalLength: content.length, sha256: hashBlob(content), kind: name.type, firstId: name.firstId, lastId: name.lastId});
        found.push({kind: name.type, firstId: name.firstId, lastId: name.lastId, content, segment: file.path});
      }
    } finally {
      closeSync(fd);
    }
    // A segment holding only blobs reads the same in every format; the version file says which it is.
    segmentFormat = Math.max(segmentFormat, format);
    const sealed = end.sealed;
    if (!sealed) summary.openSegments++;
    const createdAt = blobs[0]?.storedAt ?? members[0]?.storedAt ?? parts[0]?.storedAt ?? 0;
    catalog.db.transaction(() => {
      index.restoreSegment(
        {id, path: file.path, state: sealed ? 'closed' : 'open', format: segmentFormat, createdAt, closedAt: sealed ? Math.max(createdAt, ...blobs.map((b) => b.storedAt), ...members.map((m) => m.storedAt), ...parts.map((p) => p.storedAt)) : undefined, bytes: sealed ? end.end + TAR_END_BYTES : end.end},
        blobs,
        members,
        parts,
      );
    })();
    summary.segments++;
    summary.blobs += blobs.length;
    summary.members += members.length;
    bytesRead += end.fileBytes;
    for (const member of found) onMember(member);
    onProgress?.({segments: files.length, segmentsDone: i + 1, blobs: summary.blobs, bytesRead});
  }
  // Split messages whose parts were not at hand when their manifest was read: checked from the index.
  for (const wrong of split.finish(catalog, archiveDir, index)) {
    summary.skipped.push(wrong);
    summary.blobs--;
  }
  return summary;
}

/** The message's length when the frame decompresses to the blob `id`, or the reason it does not. */
function frameLength(decompressor: BlobDecompressor, frame: Uint8Array, id: BlobId): number | string {
  let bytes: Buffer;
  try {
    bytes = decompressor.decompress(frame);
  } catch (error) {
    return `zstd frame does not decompress: ${error instanceof Error ? error.message : String(error)}`;
  }
  return hashBlob(bytes).equals(id) ? bytes.length : 'decompressed bytes do not hash to the blob id';
}

/** The stored time of a segment's first member (ms), or 0: the order segments were written in. */
function firstStoredAt(path: string): number {
  const fd = openSync(path, 'r');
  try {
    for (const m of walkSegment(fd)) return m.mtime * 1000;
    return 0;
  } finally {
    closeSync(fd);
  }
}
