/**
 * The archive store's facade: {@link ArchiveWriter} stores messages (compress, append to the open segment,
 * fsync, read back and verify, then index), {@link ArchiveReader} reads them back by id.
 *
 * Contracts:
 * - The index is the truth. A blob is indexed only after its bytes were fsynced and read back intact; bytes
 *   no index row references (a crash before commit) are never relied upon.
 * - {@link ArchiveWriter.putAsync} and {@link ArchiveWriter.commitAsync} do the same work with the hashing,
 *   the compression and the read-back check (decompress, re-hash) on worker threads. Appends stay serial.
 *   A commit covers every put made before it and runs while later puts are appended after it; commits
 *   complete one after the other, each indexing only what its own fsync and read-back covered. Mixing
 *   them with the synchronous calls while they are in progress is a misuse and fails the writer.
 * - A writer starts a new segment each time it is opened; segments a dead writer left open are cut back to
 *   the end of their last indexed member and sealed (or, with no indexed member, removed).
 * - A writer that failed refuses every later call with ArchiveWriterFailed naming the first error.
 * - One writer per archive (ArchiveLocked otherwise).
 * - A message with large MIME parts is stored split (archive format 3, blob/manifest.ts; the parts' side in
 *   writer/split-parts.ts).
 * - A writer writes segments of the current format only (ARCHIVE_FORMAT_VERSION), each a new one. It refuses to open
 *   (ArchiveFormatUnknown) while a segment of a format it does not know is left open: sealing it appends.
 */
import {createHash} from 'node:crypto';
import type {Catalog} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';
import {BlobCompressor, BlobDecompressor, DEFAULT_ZSTD_LEVEL, blobHex, hashBlob, openFrame, type BlobId} from './blob/blob.js';
import {BlobWorkerPool} from './blob/pool.js';
import {packMessage, type PackedMessage} from './blob/manifest.js';
import type {SplitOptions} from './blob/mime-split.js';
import {ArchiveLock} from './index/lock.js';
import {ArchiveIndex, type BlobRecord, type MemberKind, type PartRecord} from './index/repository.js';
import {blobMemberName, namedMemberName, readNamedMember} from './segment/member.js';
import {ensureArchiveFormat} from './version-file.js';
import {DEFAULT_SEGMENT_LIMIT_BYTES, SegmentAppender, newSegmentId, segmentRelativePath} from './segment/segment-file.js';
import {TAR_END_BYTES, memberSpan} from './segment/tar.js';
import {archiveFailure} from './writer/failure.js';
import type {ArchiveWriterOptions, PutOptions, PutResult} from './writer/options.js';
import {verifyAppended, verifyBatch} from './writer/read-back.js';
import {recoverOpenSegments} from './writer/recover.js';
import {SplitParts, packedSpan} from './writer/split-parts.js';

export type {ArchiveWriterOptions, PutOptions, PutResult} from './writer/options.js';

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
  /** Part blobs (archive format 3) appended and not indexed yet. */
  private readonly parts: SplitParts;
  private readonly split: SplitOptions | null;
  private failure: Error | undefined;
  private closed = false;
  private readonly pool: BlobWorkerPool | undefined;
  /** putAsync calls not yet appended, and the hashes they are compressing. */
  private readonly tasks = new Set<Promise<PutResult>>();
  private readonly compressing = new Set<string>();
  /** putAsync's decisions (stored or already held), in call order. */
  private decisions: Promise<void> = Promise.resolve();
  /** Appends (and the rollovers they cause) of the async calls run one after the other, in this chain. */
  private chain: Promise<void> = Promise.resolve();
  private serialRunning = 0;
  /** Batches taken by commitAsync: fsynced, verified and indexed one after the other, in this chain. */
  private batches: Promise<void> = Promise.resolve();
  private batchesRunning = 0;
  /** Blobs of those batches, until indexed: the archive holds them as far as dedup is concerned. */
  private readonly committingIds = new Set<string>();
  /** The catalog file: what root gives the segments it creates the owner of (see system/ownership.ts). */
  private readonly catalogPath: string;

  private constructor(private readonly catalog: Catalog, readonly archiveDir: string, private readonly options: ArchiveWriterOptions) {
    this.catalogPath = catalog.path;
    this.index = new ArchiveIndex(catalog.db);
    this.parts = new SplitParts(catalog, archiveDir, this.index);
    this.lock = new ArchiveLock(catalog.db);
    this.compressor = new BlobCompressor(options.zstdLevel ?? DEFAULT_ZSTD_LEVEL);
    this.limit = options.segmentLimitBytes ?? DEFAULT_SEGMENT_LIMIT_BYTES;
    this.now = options.now ?? Date.now;
    this.split = options.split === false ? null : (options.split ?? {});
    this.pool = (options.workers ?? 0) > 0 ? new BlobWorkerPool(options.workers ?? 0, options.zstdLevel ?? DEFAULT_ZSTD_LEVEL, this.split) : undefined;
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
      ensureArchiveFormat(archiveDir, writer.catalogPath);
      recoverOpenSegments(writer.catalog, writer.index, archiveDir, writer.now);
    } catch (error) {
      writer.pool?.close();
      writer.lock.release();
      throw archiveFailure(error, writer.catalogPath);
    }
    return writer;
  }

  /** Compresses and appends one message unless the archive already holds it. Durable only after {@link commit}. */
  put(message: Uint8Array, options: PutOptions = {}): PutResult {
    this.assertUsable();
    return this.guard(() => {
      this.assertIdle();
      const id = hashBlob(message);
      const hex = blobHex(id);
      const digest = options.digest === undefined ? {} : {digest: createHash(options.digest).update(message).digest()};
      if (this.holds(id, hex)) return {id, stored: false, originalLength: message.length, storedLength: 0, ...digest};
      const bytes = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
      const packed = this.split === null ? {frame: this.compressor.compress(bytes), manifest: false, parts: []} : packMessage(this.compressor, bytes, this.split);
      if (this.needsRollover(packedSpan(packed))) this.rollover();
      return {...this.append(id, hex, message.length, packed), ...digest};
    });
  }

  /**
   * {@link put} with the hashing and the compression on worker threads (with `workers` > 0; otherwise it
   * is put). Messages are hashed and compressed in parallel but decided on (stored, or already held) and
   * appended in the order of the calls, so that the segments are what put would have written. A message
   * the archive holds, or that an earlier call is storing, is not compressed. Durable only after
   * {@link commitAsync}. Takes `message`: its memory moves to a worker thread, do not use it after the call.
   */
  async putAsync(message: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    this.assertUsable();
    const pool = this.pool;
    if (pool === undefined || this.closed) return this.put(message, options);
    const originalLength = message.length;
    const hashing = pool.hash(message, options.digest);
    hashing.catch(() => undefined); // awaited below, in call order
    // In call order: the first of several identical messages is the one stored.
    const decided = this.decisions.then(async () => {
      let hashed;
      try {
        hashed = await hashing;
      } catch (error) {
        throw this.fail(error);
      }
      const hex = blobHex(hashed.id);
      this.assertUsable();
      const held = this.compressing.has(hex) || this.guard(() => this.holds(hashed.id, hex));
      if (!held) this.compressing.add(hex);
      // Parts the archive holds already (or a batch does) are not compressed again (archive format 3).
      const heldParts = held ? new Set<string>() : new Set(hashed.parts.map(blobHex).filter((h, i) => this.guard(() => this.parts.holds(hashed.parts[i] as BlobId, h))));
      const compressing = held ? undefined : pool.compress(hashed, heldParts);
      compressing?.catch(() => undefined); // awaited in the append chain
      return {hashed, hex, compressing};
    });
    this.decisions = decided.then(
      () => undefined,
      () => undefined,
    );
    const task = this.serially(async () => {
      const {hashed, hex, compressing} = await decided;
      const extra = hashed.digest === undefined ? {} : {digest: hashed.digest};
      if (compressing === undefined) return {id: hashed.id, stored: false, originalLength, storedLength: 0, ...extra};
      try {
        const packed = await compressing;
        if (this.needsRollover(packedSpan(packed))) {
          // Every batch of the full segment indexed, then sealed; appends wait meanwhile (this chain).
          await this.takeBatch(pool).done;
          this.sealSegment();
        }
        return {...this.append(hashed.id, hex, originalLength, packed), ...extra};
      } finally {
        this.compressing.delete(hex);
      }
    });
    this.tasks.add(task);
    const done = () => {
      this.tasks.delete(task);
    };
    task.then(done, done);
    return await task;
  }

  /** fsyncs the open segment, reads back and verifies every member appended since the last commit, then indexes them in one transaction. */
  commit(): void {
    this.assertUsable();
    this.guard(() => {
      this.assertIdle();
      this.commitPending();
    });
  }

  /**
   * {@link commit} of every {@link putAsync} made before the call (and of any appended since), with the
   * fsync on libuv's thread pool and the read-back check on the worker threads. Puts made meanwhile are
   * appended meanwhile: they belong to the next commit. Commits complete in the order they were called.
   */
  async commitAsync(): Promise<void> {
    this.assertUsable();
    const pool = this.pool;
    if (pool === undefined) return this.commit();
    await Promise.allSettled([...this.tasks]);
    this.assertUsable();
    // The batch is taken in the append chain, so never in the middle of a rollover.
    const batch = await this.serially(async () => this.takeBatch(pool));
    await batch.done;
    this.assertUsable(); // an earlier batch may have failed
  }

  /**
   * Stores one member of another type than a blob (archive format 2: `record`, `snapshot`, `links`; see
   * docs/FORMAT.md) and indexes it: commits what was put before, compresses `content`, appends it, fsyncs,
   * reads it back (decompressed, re-hashed) and indexes it in one transaction. Synchronous: await
   * {@link settle} after async puts first. Durable when it returns.
   */
  putMember(kind: MemberKind, firstId: number, lastId: number, content: Uint8Array): void {
    this.assertUsable();
    this.guard(() => {
      this.assertIdle();
      this.commitPending();
      const sha256 = hashBlob(content);
      const frame = this.compressor.compress(content);
      if (this.needsRollover(memberSpan(frame.length))) this.rollover();
      const segment = this.segment ?? this.startSegment();
      const now = this.now();
      const name = namedMemberName(kind, firstId, lastId);
      const at = segment.append(name, frame, Math.floor(now / 1000));
      segment.sync();
      const back = readNamedMember(segment.fd, at, name);
      const bytes = typeof back === 'string' ? back : openFrame(this.decompressor, back, sha256, content.length);
      if (typeof bytes === 'string') throw new Error(`verify after write: member ${name} in segment ${segment.id} at offset ${at.headerOffset}: ${bytes}`);
      if (!this.lock.renew(this.now())) throw new Error('the archive lock was lost (expired and taken by another writer)');
      this.index.commitMember({segmentId: segment.id, headerOffset: at.headerOffset, dataOffset: at.dataOffset, storedLength: at.storedLength, originalLength: content.length, sha256, kind, firstId, lastId, storedAt: now}, segment.end);
    });
  }

  /**
   * True when the archive holds the blob (indexed, in a sound segment) or will once this writer's commits
   * in progress and to come have run: it was appended since the last commit. Puts still being hashed or
   * compressed are not counted: await them (or {@link settle}) first.
   */
  holdsBlob(id: BlobId): boolean {
    return this.holds(id, blobHex(id));
  }

  /** Waits until no {@link putAsync} or {@link commitAsync} is in progress. Never throws (their callers see the errors). */
  async settle(): Promise<void> {
    while (this.tasks.size > 0 || this.serialRunning > 0 || this.batchesRunning > 0) {
      await Promise.allSettled([...this.tasks, this.chain, this.batches]);
    }
  }

  /**
   * Commits, seals the open segment, stops the worker threads and releases the lock. On a failed writer, or
   * one closed with puts still in flight (nothing of them is indexed): releases the lock, then throws.
   */
  close(): void {
    if (this.closed) return;
    try {
      if (this.failure === undefined) {
        this.guard(() => {
          this.assertIdle();
          this.commitPending();
          if (this.segment !== undefined) this.sealSegment();
        });
      }
    } finally {
      this.closed = true;
      this.segment?.abandon();
      this.segment = undefined;
      this.pool?.close();
      this.parts.close();
      this.lock.release();
    }
    if (this.failure !== undefined) throw archiveFailure(this.failure, this.catalogPath);
  }

  private startSegment(): SegmentAppender {
    const id = newSegmentId();
    // The row first: a crash before the first commit leaves a name the next writer knows to remove.
    this.index.addSegment(id, segmentRelativePath(id), this.now());
    try {
      this.segment = SegmentAppender.create(this.archiveDir, id, this.catalogPath);
    } catch (error) {
      // No file was made (EACCES, ENOSPC): a row left open would read as a missing segment to verify.
      this.index.dropEmptySegment(id);
      throw error;
    }
    return this.segment;
  }

  /** True when the archive holds the blob, or a batch does (then nothing is written). */
  private holds(id: BlobId, hex: string): boolean {
    return this.pendingIds.has(hex) || this.committingIds.has(hex) || this.index.hasLiveBlob(id);
  }

  private needsRollover(span: number): boolean {
    return this.segment !== undefined && this.segment.end > 0 && this.segment.end + span + TAR_END_BYTES > this.limit;
  }

  /** Appends a message: whole, or its parts not held yet and then its manifest (all into this segment). */
  private append(id: BlobId, hex: string, originalLength: number, packed: PackedMessage): PutResult {
    const segment = this.segment ?? this.startSegment();
    const now = this.now();
    const mtime = Math.floor(now / 1000);
    const {parts, storedLength: partBytes} = this.parts.append(segment, packed, now);
    const storedLength = packed.frame.length + partBytes;
    const record = {id, segmentId: segment.id, originalLength, storedAt: now, ...(packed.manifest ? {manifest: true, parts} : {})};
    const at = segment.append(blobMemberName(record), packed.frame, mtime);
    this.pending.push({...record, headerOffset: at.headerOffset, dataOffset: at.dataOffset, storedLength: at.storedLength});
    this.pendingIds.add(hex);
    return {id, stored: true, originalLength, storedLength};
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
    verifyAppended(this.decompressor, segment, this.pending, this.parts, this.parts.appended().byHex);
    this.indexPending(segment);
  }

  /**
   * Takes what was appended since the last batch as a batch, and chains its commit after the earlier
   * batches': fsync (on libuv's thread pool), read back every member and open it on the worker threads
   * (a few at a time: their frames are in memory meanwhile), then index it. `done` settles when it is
   * indexed, or rejects (and the writer has failed). Wrapped in an object: a caller inside the append
   * chain must not wait for it there unless it means to (a rollover does).
   */
  private takeBatch(pool: BlobWorkerPool): {done: Promise<void>} {
    const segment = this.segment;
    if (segment === undefined || this.pending.length === 0) return {done: this.batches};
    const batch = this.pending;
    const batchParts = this.parts.take();
    const end = segment.end;
    this.pending = [];
    for (const hex of this.pendingIds) this.committingIds.add(hex);
    this.pendingIds.clear();
    this.batchesRunning++;
    const done = this.batches.then(async () => {
      try {
        this.assertUsable();
        await segment.syncAsync();
        await verifyBatch(pool, segment, batch, batchParts, this.parts, () => this.failure !== undefined);
        this.assertUsable();
        this.indexBatch(segment, batch, end, batchParts);
      } catch (error) {
        throw this.fail(error);
      } finally {
        this.batchesRunning--;
        for (const blob of batch) this.committingIds.delete(blobHex(blob.id));
        this.parts.release(batchParts);
      }
    });
    this.batches = done.then(
      () => undefined,
      () => undefined,
    );
    return {done};
  }

  private indexPending(segment: SegmentAppender): void {
    this.indexBatch(segment, this.pending, segment.end, this.parts.appended().records);
    this.pending = [];
    this.pendingIds.clear();
    this.parts.indexed();
  }

  /** Indexes blobs (and parts) fsynced and verified, and moves the segment's committed length to `end`, in one transaction. */
  private indexBatch(segment: SegmentAppender, batch: readonly BlobRecord[], end: number, parts: readonly PartRecord[]): void {
    this.options.beforeIndex?.();
    if (!this.lock.renew(this.now())) throw new Error('the archive lock was lost (expired and taken by another writer)');
    this.index.commitBlobs(segment.id, end, batch, parts);
  }

  /** Runs `action` after every earlier serial action, as the writer's guard does: a failure fails the writer. */
  private serially<T>(action: () => Promise<T>): Promise<T> {
    this.serialRunning++;
    const run = this.chain.then(async () => {
      this.assertUsable();
      try {
        return await action();
      } catch (error) {
        throw this.fail(error);
      }
    });
    const done = () => {
      this.serialRunning--;
    };
    this.chain = run.then(done, done);
    return run;
  }

  /** Sync calls while async ones are in progress would interleave with them: refused. */
  private assertIdle(): void {
    if (this.tasks.size > 0 || this.serialRunning > 0 || this.batchesRunning > 0) {
      throw new Error('a synchronous call while putAsync or commitAsync was in progress (await commitAsync or settle first)');
    }
  }

  /** Records the writer's first failure, closes the segment, and returns the error to throw. */
  private fail(error: unknown): BonnieError {
    this.failure ??= error instanceof Error ? error : new Error(String(error));
    this.segment?.abandon();
    this.segment = undefined;
    this.parts.close();
    return archiveFailure(this.failure, this.catalogPath);
  }

  private guard<T>(action: () => T): T {
    try {
      return action();
    } catch (error) {
      throw this.fail(error);
    }
  }

  private assertUsable(): void {
    if (this.failure !== undefined) throw archiveFailure(this.failure, this.catalogPath);
    if (this.closed) throw new BonnieError('ArchiveWriterClosed', 'the archive writer was closed');
  }
}

export {ArchiveReader} from './reader.js';
