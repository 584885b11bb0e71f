/**
 * The archive store's facade: {@link ArchiveWriter} stores messages (compress, append to the open segment,
 * fsync, read back and verify, then index), {@link ArchiveReader} reads them back by id.
 *
 * Contracts:
 * - The index is the truth. A blob is indexed only after its bytes were fsynced and read back intact; bytes
 *   no index row references (a crash before commit) are never relied upon.
 * - A writer starts a new segment each time it is opened; segments a dead writer left open are cut back to
 *   the end of their last indexed member and sealed (or, with no indexed member, removed).
 * - A writer that failed refuses every later call with ArchiveWriterFailed naming the first error.
 * - One writer per archive (ArchiveLocked otherwise).
 */
import {closeSync, existsSync, ftruncateSync, fsyncSync, openSync, statSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import type {Catalog} from '../catalog/catalog.js';
import {BonnieError, errorMessage} from '../errors.js';
import {BlobCompressor, BlobDecompressor, DEFAULT_ZSTD_LEVEL, blobHex, hashBlob, openFrame, type BlobId} from './blob/blob.js';
import {ArchiveLock} from './index/lock.js';
import {ArchiveIndex, type BlobRecord} from './index/repository.js';
import {memberName, readMember} from './segment/member.js';
import {DEFAULT_SEGMENT_LIMIT_BYTES, SegmentAppender, newSegmentId, segmentRelativePath} from './segment/segment-file.js';
import {TAR_END_BYTES, memberSpan} from './segment/tar.js';
import {removeIfPresent} from '../system/files.js';

export interface ArchiveWriterOptions {
  /** A segment is closed before a member would take it past this size, in bytes (default 64 MiB). */
  segmentLimitBytes?: number;
  /** zstd compression level (default {@link DEFAULT_ZSTD_LEVEL}). */
  zstdLevel?: number;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** Test hook: runs after fsync and verify, just before the index rows are written. */
  beforeIndex?: () => void;
}

/** What {@link ArchiveWriter.put} did with one message. */
export interface PutResult {
  id: BlobId;
  /** False when the archive already held (or this batch already holds) the message: nothing was written. */
  stored: boolean;
  originalLength: number;
  /** Bytes of the zstd frame; 0 when not stored. */
  storedLength: number;
}

/** Stores messages into the archive at `archiveDir`, indexed in `catalog`. */
export class ArchiveWriter {
  private readonly index: ArchiveIndex;
  private readonly lock: ArchiveLock;
  private readonly compressor: BlobCompressor;
  private readonly decompressor = new BlobDecompressor();
  private readonly limit: number;
  private readonly now: () => number;
  private segment: SegmentAppender | undefined;
  private pending: BlobRecord[] = [];
  private readonly pendingIds = new Set<string>();
  private failure: Error | undefined;
  private closed = false;

  private constructor(catalog: Catalog, readonly archiveDir: string, private readonly options: ArchiveWriterOptions) {
    this.index = new ArchiveIndex(catalog.db);
    this.lock = new ArchiveLock(catalog.db);
    this.compressor = new BlobCompressor(options.zstdLevel ?? DEFAULT_ZSTD_LEVEL);
    this.limit = options.segmentLimitBytes ?? DEFAULT_SEGMENT_LIMIT_BYTES;
    this.now = options.now ?? Date.now;
  }

  /** Takes the archive lock and seals what a dead writer left open. Throws ArchiveLocked when another writer runs. */
  static open(catalog: Catalog, archiveDir: string, options: ArchiveWriterOptions = {}): ArchiveWriter {
    const writer = new ArchiveWriter(catalog, archiveDir, options);
    const holder = writer.lock.acquire(writer.now());
    if (holder !== undefined) {
      throw new BonnieError('ArchiveLocked', `another archive writer holds ${archiveDir} (${holder.owner}, pid ${holder.pid} on ${holder.host})`, {
        hint: 'Wait for it to finish; a holder that died on this host is recognised at once, elsewhere after two minutes.',
      });
    }
    try {
      writer.recoverOpenSegments();
    } catch (error) {
      writer.lock.release();
      throw archiveFailure(error);
    }
    return writer;
  }

  /** Compresses and appends one message unless the archive already holds it. Durable only after {@link commit}. */
  put(message: Uint8Array): PutResult {
    this.assertUsable();
    return this.guard(() => {
      const id = hashBlob(message);
      const hex = blobHex(id);
      if (this.pendingIds.has(hex) || this.index.hasLiveBlob(id)) return {id, stored: false, originalLength: message.length, storedLength: 0};
      const frame = this.compressor.compress(message);
      const span = memberSpan(frame.length);
      if (this.segment !== undefined && this.segment.end > 0 && this.segment.end + span + TAR_END_BYTES > this.limit) this.rollover();
      const segment = this.segment ?? this.startSegment();
      const now = this.now();
      const at = segment.append(memberName(id), frame, Math.floor(now / 1000));
      this.pending.push({id, segmentId: segment.id, headerOffset: at.headerOffset, dataOffset: at.dataOffset, storedLength: at.storedLength, originalLength: message.length, storedAt: now});
      this.pendingIds.add(hex);
      return {id, stored: true, originalLength: message.length, storedLength: frame.length};
    });
  }

  /** fsyncs the open segment, reads back and verifies every member appended since the last commit, then indexes them in one transaction. */
  commit(): void {
    this.assertUsable();
    this.guard(() => this.commitPending());
  }

  /** Commits, seals the open segment and releases the lock. On a failed writer: releases the lock, then throws. */
  close(): void {
    if (this.closed) return;
    try {
      if (this.failure === undefined) {
        this.guard(() => {
          this.commitPending();
          if (this.segment !== undefined) this.sealSegment();
        });
      }
    } finally {
      this.closed = true;
      this.segment?.abandon();
      this.segment = undefined;
      this.lock.release();
    }
    if (this.failure !== undefined) throw archiveFailure(this.failure);
  }

  /** Segments left open by a writer that died: cut back to the last indexed member and sealed, or removed when empty. */
  private recoverOpenSegments(): void {
    for (const segment of this.index.listSegments()) {
      if (segment.state !== 'open') continue;
      const path = join(this.archiveDir, segment.path);
      if (this.index.listBlobs(segment.id).length === 0) {
        removeIfPresent(path);
        this.index.dropEmptySegment(segment.id);
        continue;
      }
      // A file shorter than what was indexed is damage, not a crash tail: leave it for verify to report.
      if (!existsSync(path) || statSync(path).size < segment.bytes) continue;
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, segment.bytes);
        writeSync(fd, Buffer.alloc(TAR_END_BYTES), 0, TAR_END_BYTES, segment.bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.index.closeSegment(segment.id, segment.bytes + TAR_END_BYTES, this.now());
    }
  }

  private startSegment(): SegmentAppender {
    const id = newSegmentId();
    // The row first: a crash before the first commit leaves a name the next writer knows to remove.
    this.index.addSegment(id, segmentRelativePath(id), this.now());
    this.segment = SegmentAppender.create(this.archiveDir, id);
    return this.segment;
  }

  private rollover(): void {
    this.commitPending();
    this.sealSegment();
  }

  private sealSegment(): void {
    const segment = this.segment;
    if (segment === undefined) return;
    this.segment = undefined;
    const bytes = segment.seal();
    this.index.closeSegment(segment.id, bytes, this.now());
  }

  private commitPending(): void {
    const segment = this.segment;
    if (segment === undefined || this.pending.length === 0) return;
    segment.sync();
    for (const blob of this.pending) {
      const frame = readMember(segment.fd, blob);
      const bytes = typeof frame === 'string' ? frame : openFrame(this.decompressor, frame, blob.id, blob.originalLength);
      if (typeof bytes === 'string') throw new Error(`verify after write: blob ${blobHex(blob.id)} in segment ${segment.id} at offset ${blob.headerOffset}: ${bytes}`);
    }
    this.options.beforeIndex?.();
    if (!this.lock.renew(this.now())) throw new Error('the archive lock was lost (expired and taken by another writer)');
    this.index.commitBlobs(segment.id, segment.end, this.pending);
    this.pending = [];
    this.pendingIds.clear();
  }

  private guard<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      this.failure ??= error instanceof Error ? error : new Error(String(error));
      this.segment?.abandon();
      this.segment = undefined;
      throw archiveFailure(this.failure);
    }
  }

  private assertUsable(): void {
    if (this.failure !== undefined) throw archiveFailure(this.failure);
    if (this.closed) throw new BonnieError('ArchiveWriterClosed', 'the archive writer was closed');
  }
}

function archiveFailure(error: unknown): BonnieError {
  if (error instanceof BonnieError && error.code === 'ArchiveWriterFailed') return error;
  return new BonnieError('ArchiveWriterFailed', `the archive writer failed and refuses further use: ${errorMessage(error)}`, {
    cause: error,
    hint: 'Nothing unverified was indexed. Fix the cause (disk full, permissions, hardware), then start a new writer; run "bonnie verify" if the disk misbehaved.',
  });
}

export {ArchiveReader} from './reader.js';
