/**
 * The writer's side of split messages (archive format 3, blob/manifest.ts): the part blobs appended since
 * the last commit and those of batches being committed (so a part is written once), appending a message's
 * parts not held yet before its manifest, and reading the parts a manifest names back for the commit's
 * check.
 *
 * Contracts: a split message's parts not held yet, then its manifest, are appended together into one
 * segment. A commit verifies a split message by reassembling it from what was read back (its parts from
 * this batch or from the archive) and re-hashing it; its parts and references are indexed in the same
 * transaction as its row (ArchiveIndex.commitBlobs).
 */
import type {Catalog} from '../../../base/catalog/catalog.js';
import {blobHex, type BlobId} from '../blob/blob.js';
import type {PackedMessage} from '../blob/manifest.js';
import type {ArchiveIndex, BlobRecord, PartRecord} from '../index/repository.js';
import {ArchiveReader} from '../reader.js';
import {partMemberName, readPartMember} from '../segment/member.js';
import type {SegmentAppender} from '../segment/segment-file.js';
import {memberSpan} from '../segment/tar.js';
import {verifyFailure} from './failure.js';

/** Bytes the members of a packed message take at most (its parts held already are not written). */
export function packedSpan(packed: PackedMessage): number {
  return packed.parts.reduce((n, p) => n + (p.frame === undefined ? 0 : memberSpan(p.frame.length)), memberSpan(packed.frame.length));
}

/** Part blobs a writer appended and has not indexed yet. */
export class SplitParts {
  /** Part blobs appended since the last commit (archive format 3), and those of batches being committed. */
  private pending: PartRecord[] = [];
  private readonly pendingIds = new Set<string>();
  private readonly committingIds = new Set<string>();
  /** Reads parts of earlier commits back, to verify split messages that name them. */
  private reader: ArchiveReader | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly archiveDir: string,
    private readonly index: ArchiveIndex,
  ) {}

  /** True when the archive holds the part blob, or a batch does (then it is not written again). */
  holds(id: BlobId, hex: string): boolean {
    return this.pendingIds.has(hex) || this.committingIds.has(hex) || this.index.hasLivePart(id);
  }

  /**
   * Appends the parts of a packed message not held yet into `segment` (the caller appends the manifest
   * after them). Returns the parts the manifest names, distinct, and the bytes of the frames written.
   */
  append(segment: SegmentAppender, packed: PackedMessage, now: number): {parts: BlobId[]; storedLength: number} {
    const mtime = Math.floor(now / 1000);
    let storedLength = 0;
    const parts: BlobId[] = [];
    for (const part of packed.parts) {
      const partHex = blobHex(part.id);
      if (!parts.some((p) => p.equals(part.id))) parts.push(part.id);
      if (this.holds(part.id, partHex)) continue;
      // Held when the message was decided on, so held now: what is held stays held while the writer is sound.
      if (part.frame === undefined) throw new Error(`bonnie bug: part ${partHex} was not compressed, yet the archive does not hold it`);
      const at = segment.append(partMemberName(part.id), part.frame, mtime);
      this.pending.push({id: part.id, segmentId: segment.id, headerOffset: at.headerOffset, dataOffset: at.dataOffset, storedLength: at.storedLength, originalLength: part.size, storedAt: now});
      this.pendingIds.add(partHex);
      storedLength += part.frame.length;
    }
    return {parts, storedLength};
  }

  /** The parts appended since the last commit, by hex id, and the list itself (for the index). */
  appended(): {records: PartRecord[]; byHex: Map<string, PartRecord>} {
    return {records: this.pending, byHex: new Map(this.pending.map((p) => [blobHex(p.id), p]))};
  }

  /** Forgets the parts appended since the last commit: they were indexed. */
  indexed(): void {
    this.pending = [];
    this.pendingIds.clear();
  }

  /** Takes the parts appended since the last commit as a batch's: held until {@link release}. */
  take(): PartRecord[] {
    const batch = this.pending;
    this.pending = [];
    for (const hex of this.pendingIds) this.committingIds.add(hex);
    this.pendingIds.clear();
    return batch;
  }

  /** A batch taken by {@link take} was indexed (or failed). */
  release(batch: readonly PartRecord[]): void {
    for (const part of batch) this.committingIds.delete(blobHex(part.id));
  }

  /**
   * The frames of the parts a split message names, read back: from this segment for those appended
   * since the last commit (`batch`), else from the archive (indexed by an earlier commit). A part that
   * cannot be read is left out: the reassembly then names it.
   */
  frames(segment: SegmentAppender, blob: BlobRecord, batch: ReadonlyMap<string, PartRecord>): Map<string, Uint8Array> {
    const frames = new Map<string, Uint8Array>();
    for (const id of blob.parts ?? []) {
      const hex = blobHex(id);
      const here = batch.get(hex);
      if (here !== undefined) {
        const frame = readPartMember(segment.fd, here);
        if (typeof frame === 'string') throw verifyFailure(blob, segment.id, `part ${hex}: ${frame}`);
        frames.set(hex, frame);
        continue;
      }
      this.reader ??= new ArchiveReader(this.catalog, this.archiveDir);
      const frame = this.reader.readPartFrame(id);
      if (typeof frame === 'string') throw verifyFailure(blob, segment.id, `part ${hex}: ${frame}`);
      frames.set(hex, frame);
    }
    return frames;
  }

  /** Closes the reader of earlier commits' parts (opened again when needed). */
  close(): void {
    this.reader?.close();
    this.reader = undefined;
  }
}
