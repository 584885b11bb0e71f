/** What an {@link ArchiveWriter} is opened with, and what its puts take and return. */
import type {BlobId} from '../blob/blob.js';
import type {ExtraDigest} from '../blob/pool.js';
import type {SplitOptions} from '../blob/mime-split.js';

export interface ArchiveWriterOptions {
  /** A segment is closed before a member would take it past this size, in bytes (default 64 MiB). */
  segmentLimitBytes?: number;
  /** zstd compression level (default {@link DEFAULT_ZSTD_LEVEL}). */
  zstdLevel?: number;
  /** Worker threads for {@link ArchiveWriter.putAsync} and {@link ArchiveWriter.commitAsync} (default 0: the caller's thread does all). */
  workers?: number;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** Test hook: runs after fsync and verify, just before the index rows are written. */
  beforeIndex?: () => void;
  /** How messages are split at their MIME parts (archive format 3); false: always stored whole. Default: the defaults of {@link SplitOptions}. */
  split?: SplitOptions | false;
}

/** What {@link ArchiveWriter.put} did with one message. */
export interface PutResult {
  id: BlobId;
  /** False when the archive already held (or this batch already holds) the message: nothing was written. */
  stored: boolean;
  originalLength: number;
  /** Bytes of the zstd frame; 0 when not stored. */
  storedLength: number;
  /** The extra digest asked for ({@link PutOptions.digest}). */
  digest?: Buffer;
}

export interface PutOptions {
  /** Also hash the message with this (on the worker thread with putAsync): {@link PutResult.digest}. */
  digest?: ExtraDigest;
}
