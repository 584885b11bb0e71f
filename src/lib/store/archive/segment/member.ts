/**
 * Reading one blob's member back from a segment file by the offsets the index recorded, and checking the
 * tar header there names that blob and describes that length.
 */
import {blobHex, type BlobId} from '../blob/blob.js';
import {preadFully} from './segment-file.js';
import {TAR_BLOCK, decodeHeader} from './tar.js';

/** Suffix of a member name: the frame of a message (`.eml`) compressed with zstd (`.zst`). */
export const MEMBER_SUFFIX = '.eml.zst';

/** The tar member name of a blob: `<sha256 hex>.eml.zst`. */
export function memberName(id: BlobId): string {
  return `${blobHex(id)}${MEMBER_SUFFIX}`;
}

/** Where the index says a blob's member is. */
export interface MemberLocation {
  id: BlobId;
  headerOffset: number;
  dataOffset: number;
  storedLength: number;
}

/**
 * Reads a member's header and data with one pread. Returns the stored frame, or a reason the bytes at
 * that place are not this blob's member (short file, unparsable header, another name, another size).
 */
export function readMember(fd: number, at: MemberLocation): Buffer | string {
  if (at.dataOffset !== at.headerOffset + TAR_BLOCK) return `index row is inconsistent: data offset ${at.dataOffset} is not header offset ${at.headerOffset} + ${TAR_BLOCK}`;
  const bytes = preadFully(fd, at.headerOffset, TAR_BLOCK + at.storedLength);
  if (bytes.length < TAR_BLOCK + at.storedLength) return `segment ends at ${at.headerOffset + bytes.length}, before the member's end at ${at.dataOffset + at.storedLength} (truncated)`;
  const header = decodeHeader(bytes.subarray(0, TAR_BLOCK));
  if (typeof header === 'string') return `no valid tar header at offset ${at.headerOffset}: ${header}`;
  const expected = memberName(at.id);
  if (header.name !== expected) return `the tar header at offset ${at.headerOffset} names ${header.name}, not ${expected}`;
  if (header.size !== at.storedLength) return `the tar header says ${header.size} bytes, the index ${at.storedLength}`;
  return bytes.subarray(TAR_BLOCK);
}
