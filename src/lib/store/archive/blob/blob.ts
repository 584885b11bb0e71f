/**
 * The blob: one message's exact RFC 5322 bytes, named by the SHA-256 of those bytes (uncompressed), stored
 * as one zstd frame. This layer knows nothing of segments or the catalog.
 */
import {createHash} from 'node:crypto';
import {Compressor, Decompressor} from 'zstd-napi';
import {BonnieError} from '../../../base/errors.js';

/** Length of a blob id (SHA-256), in bytes. */
export const BLOB_ID_BYTES = 32;

/**
 * zstd level used when none is given. Measured on realistic ~100 kB mails (docs/FORMAT.md, "Reasons"):
 * level 3 stores within one point of level 6 (24.4 % vs 23.5 %) at ~4x its speed (400 vs 108 MB/s).
 */
export const DEFAULT_ZSTD_LEVEL = 3;

/** A blob id: SHA-256 of the uncompressed message, 32 bytes. Its hex form names the tar member. */
export type BlobId = Buffer;

/** SHA-256 of `bytes`: the blob's id. */
export function hashBlob(bytes: Uint8Array): BlobId {
  return createHash('sha256').update(bytes).digest();
}

/** Lower-case hex of a blob id (64 characters). */
export function blobHex(id: BlobId): string {
  return id.toString('hex');
}

/** Parses a 64-character hex blob id; throws BlobIdInvalid otherwise. */
export function parseBlobHex(hex: string): BlobId {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new BonnieError('BlobIdInvalid', `not a blob id (64 lower-case hex digits): ${JSON.stringify(hex)}`);
  return Buffer.from(hex, 'hex');
}

/**
 * Compresses messages into single zstd frames with the content size in the frame header and the frame's
 * own checksum (XXH64) on, so `zstd -d` alone detects a damaged frame. One instance per writer: the native
 * context is reused, which matters at thousands of messages per second.
 */
export class BlobCompressor {
  private readonly compressor = new Compressor();

  constructor(readonly level = DEFAULT_ZSTD_LEVEL) {
    this.compressor.setParameters({compressionLevel: level, checksumFlag: true, contentSizeFlag: true, dictIDFlag: false});
  }

  compress(bytes: Uint8Array): Buffer {
    return this.compressor.compress(bytes);
  }
}

/** Decompresses one stored frame. Throws whatever zstd throws on a damaged frame (callers wrap it). */
export class BlobDecompressor {
  private readonly decompressor = new Decompressor();

  decompress(frame: Uint8Array): Buffer {
    return this.decompressor.decompress(frame);
  }
}

/**
 * Decompresses a stored frame and checks it is the blob `id` of `originalLength` bytes. Returns the message
 * or a reason it is not (damaged frame, wrong length, wrong hash).
 */
export function openFrame(decompressor: BlobDecompressor, frame: Uint8Array, id: BlobId, originalLength: number): Buffer | string {
  let bytes: Buffer;
  try {
    bytes = decompressor.decompress(frame);
  } catch (error) {
    return `zstd frame does not decompress: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (bytes.length !== originalLength) return `decompressed to ${bytes.length} bytes, the index says ${originalLength}`;
  if (!hashBlob(bytes).equals(id)) return 'decompressed bytes do not hash to the blob id';
  return bytes;
}
