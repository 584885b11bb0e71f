/**
 * The writer's check before it indexes: every member appended since the last commit read back from the
 * fsynced segment and opened (decompressed and re-hashed; a split message reassembled from its parts and
 * re-hashed), on the caller's thread ({@link verifyAppended}) or on the worker threads ({@link verifyBatch}).
 * Throws the first member that does not read back as written.
 */
import {blobHex, openFrame, type BlobDecompressor} from '../blob/blob.js';
import {openManifest} from '../blob/manifest.js';
import type {BlobWorkerPool} from '../blob/pool.js';
import type {BlobRecord, PartRecord} from '../index/repository.js';
import {readMember} from '../segment/member.js';
import type {SegmentAppender} from '../segment/segment-file.js';
import {verifyFailure} from './failure.js';
import type {SplitParts} from './split-parts.js';

/** Reads back and opens each of `blobs` on this thread; `parts`: the parts appended with them, by hex id. */
export function verifyAppended(decompressor: BlobDecompressor, segment: SegmentAppender, blobs: readonly BlobRecord[], split: SplitParts, parts: ReadonlyMap<string, PartRecord>): void {
  for (const blob of blobs) {
    const frame = readMember(segment.fd, blob);
    const bytes =
      typeof frame === 'string'
        ? frame
        : blob.manifest === true
          ? openManifest(decompressor, frame, split.frames(segment, blob, parts), blob.id, blob.originalLength)
          : openFrame(decompressor, frame, blob.id, blob.originalLength);
    if (typeof bytes === 'string') throw verifyFailure(blob, segment.id, bytes);
  }
}

/**
 * Reads back each member of a batch and opens it on the worker threads, a few at a time (their frames are
 * in memory meanwhile). Stops reading once `writerFailed()` (the descriptor is closed then).
 */
export async function verifyBatch(
  pool: BlobWorkerPool,
  segment: SegmentAppender,
  batch: readonly BlobRecord[],
  batchParts: readonly PartRecord[],
  split: SplitParts,
  writerFailed: () => boolean,
): Promise<void> {
  const parts = new Map(batchParts.map((p) => [blobHex(p.id), p]));
  let next = 0;
  let failed: Error | undefined;
  const verify = async () => {
    // The writer may fail meanwhile (a put's compression): then the descriptor is closed, stop reading it.
    while (failed === undefined && !writerFailed() && next < batch.length) {
      const blob = batch[next++] as BlobRecord;
      const frame = readMember(segment.fd, blob);
      // readMember's buffer (header and frame) is this loop's alone: it moves to the thread whole.
      const reason =
        typeof frame === 'string'
          ? frame
          : blob.manifest === true
            ? await pool.assemble(frame, split.frames(segment, blob, parts), blob.id, blob.originalLength)
            : await pool.open(frame, blob.id, blob.originalLength, true);
      if (reason !== undefined) failed ??= verifyFailure(blob, segment.id, reason);
    }
  };
  // Every reader stops before this returns, so none reads the descriptor after the writer failed.
  const readers = await Promise.allSettled(Array.from({length: 2 * pool.size}, verify));
  for (const r of readers) if (r.status === 'rejected') failed ??= r.reason instanceof Error ? r.reason : new Error(String(r.reason));
  if (failed !== undefined) throw failed;
}
