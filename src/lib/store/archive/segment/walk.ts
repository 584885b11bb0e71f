/**
 * Reading a segment file member after member from its start, without the index (issue 19: a catalog
 * rebuilt from the segments alone). Stops at the end-of-archive blocks, at the end of the file, or at
 * the first block that is not a whole valid member (the tail a crash left in an open segment).
 */
import {fstatSync} from 'node:fs';
import {preadFully} from './segment-file.js';
import {TAR_BLOCK, TAR_END_BYTES, decodeHeader, memberSpan} from './tar.js';

/** One member found by {@link walkSegment}. */
export interface WalkedMember {
  name: string;
  headerOffset: number;
  dataOffset: number;
  /** Data length, in bytes. */
  size: number;
  /** The header's mtime, seconds since the epoch. */
  mtime: number;
  /** The member's data (the zstd frame). */
  data: Buffer;
}

/** What the walk found after the last whole member. */
export interface WalkEnd {
  /** Offset just past the last whole member. */
  end: number;
  /** True when the end-of-archive blocks follow it (a closed segment). */
  sealed: boolean;
  /** The file's length. */
  fileBytes: number;
}

/** Every whole member of the segment open at `fd`, in file order; then `onEnd` with where they stop. */
export function* walkSegment(fd: number, onEnd?: (end: WalkEnd) => void): Generator<WalkedMember> {
  const fileBytes = fstatSync(fd).size;
  let at = 0;
  let sealed = false;
  while (at + TAR_BLOCK <= fileBytes) {
    const block = preadFully(fd, at, TAR_BLOCK);
    const header = decodeHeader(block);
    if (typeof header === 'string') {
      sealed = at + TAR_END_BYTES <= fileBytes && preadFully(fd, at, TAR_END_BYTES).every((b) => b === 0);
      break;
    }
    const span = memberSpan(header.size);
    if (at + span > fileBytes) break;
    const data = preadFully(fd, at + TAR_BLOCK, header.size);
    yield {name: header.name, headerOffset: at, dataOffset: at + TAR_BLOCK, size: header.size, mtime: header.mtime, data};
    at += span;
  }
  onEnd?.({end: at, sealed, fileBytes});
}
