/**
 * Segment files: tar archives of blobs under `segments/<first 2 hex of id>/<id>.tar` in the archive folder.
 * Appending uses positioned writes at an offset the caller owns (the end of what the index knows), so a
 * garbage tail left by a crash is overwritten, never built upon.
 */
import {randomBytes} from 'node:crypto';
import {closeSync, fsync, fsyncSync, mkdirSync, openSync, readSync, writevSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {TAR_BLOCK, TAR_END_BYTES, encodeHeader, paddingAfter, memberSpan} from './tar.js';
import {fsyncFolder} from '../../../base/system/files.js';
import {adoptCreatedFolders, adoptOwnership, isPermissionDenied, permissionDenied} from '../../../base/system/ownership.js';

/** The folder, inside the archive folder, that holds the segments. */
export const SEGMENTS_DIR = 'segments';

/** Length of a segment id in hex digits (128 random bits). */
export const SEGMENT_ID_HEX = 32;

/** Default size at which a segment is closed, in bytes (64 MiB). */
export const DEFAULT_SEGMENT_LIMIT_BYTES = 64 * 1024 * 1024;

const ZEROS = Buffer.alloc(TAR_END_BYTES);

/** A new random segment id (hex). Random rather than content-derived: a segment is named before it is full. */
export function newSegmentId(): string {
  return randomBytes(SEGMENT_ID_HEX / 2).toString('hex');
}

/** A segment's path relative to the archive folder (what the index stores). */
export function segmentRelativePath(id: string): string {
  return join(SEGMENTS_DIR, id.slice(0, 2), `${id}.tar`);
}

/** Where one member landed. Offsets are from the start of the segment file, in bytes. */
export interface MemberPlacement {
  headerOffset: number;
  dataOffset: number;
  storedLength: number;
  /** Offset just past the member's padding: where the next member starts. */
  end: number;
}


/** An open segment file being appended to by the one writer. */
export class SegmentAppender {
  private constructor(
    readonly id: string,
    readonly path: string,
    /** The open file descriptor (for reading back what was written). */
    readonly fd: number,
    /** Offset where the next member goes, in bytes. */
    public end: number,
  ) {}

  /**
   * Creates the file (exclusively: an id is never reused) and makes its name durable: the new file and
   * any folder created for it are fsynced. Run as root, the file and its new folders get the owner of
   * `catalog` (the catalog file), so that the collector running as cyrus can still append to the archive.
   * EACCES or EPERM throws `PermissionDenied` naming the file, its owner and the repair.
   */
  static create(archiveDir: string, id: string, catalog?: string): SegmentAppender {
    const path = join(archiveDir, segmentRelativePath(id));
    const shard = dirname(path);
    const segmentsDir = dirname(shard);
    let fd: number;
    try {
      adoptCreatedFolders(mkdirSync(shard, {recursive: true, mode: 0o750}), shard, catalog);
      fd = openSync(path, 'wx+', 0o640);
    } catch (error) {
      throw isPermissionDenied(error) ? permissionDenied('create segment', path, error, catalog) : error;
    }
    try {
      if (catalog !== undefined) adoptOwnership(path, catalog);
      fsyncSync(fd);
      fsyncFolder(shard);
      fsyncFolder(segmentsDir);
      fsyncFolder(archiveDir);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    return new SegmentAppender(id, path, fd, 0);
  }

  /** Appends header, data and padding at {@link end} in one positioned write. Not durable until {@link sync}. */
  append(name: string, data: Uint8Array, mtimeSeconds: number): MemberPlacement {
    const headerOffset = this.end;
    const header = encodeHeader({name, size: data.length, mtime: mtimeSeconds});
    const pad = paddingAfter(data.length);
    const buffers = pad === 0 ? [header, data] : [header, data, ZEROS.subarray(0, pad)];
    writeFully(this.fd, buffers, headerOffset, memberSpan(data.length));
    this.end = headerOffset + memberSpan(data.length);
    return {headerOffset, dataOffset: headerOffset + TAR_BLOCK, storedLength: data.length, end: this.end};
  }

  /**
   * Appends whole members copied from another segment (headers, data and padding, exactly as they were:
   * a prune's repack) at {@link end}, with one positioned writev. Each must be a whole member.
   * Not durable until {@link sync} or {@link seal}. Returns the offset they start at.
   */
  appendMembers(members: readonly Uint8Array[]): number {
    const at = this.end;
    const total = members.reduce((n, m) => n + m.length, 0);
    writeFully(this.fd, [...members], at, total);
    this.end = at + total;
    return at;
  }

  /** Reads `length` bytes at `offset` back from the file (for verify-after-write). */
  read(offset: number, length: number): Buffer {
    return preadFully(this.fd, offset, length);
  }

  /** fsync: what was appended is on disk. */
  sync(): void {
    fsyncSync(this.fd);
  }

  /** {@link sync} on libuv's thread pool: what was appended before the call is on disk once it resolves. */
  syncAsync(): Promise<void> {
    return new Promise((resolve, reject) => fsync(this.fd, (error) => (error === null ? resolve() : reject(error))));
  }

  /** Writes the end-of-archive blocks at {@link end}, fsyncs and closes. Returns the file's final length. */
  seal(): number {
    writeFully(this.fd, [ZEROS], this.end, TAR_END_BYTES);
    fsyncSync(this.fd);
    closeSync(this.fd);
    return this.end + TAR_END_BYTES;
  }

  /** Closes without sealing (the writer failed: leave the file as it is). */
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already failing; the first error is the one reported.
    }
  }
}

function writeFully(fd: number, buffers: Uint8Array[], position: number, total: number): void {
  let written = writevSync(fd, buffers, position);
  if (written === total) return;
  // Short write (rare: disk nearly full, signals): finish from one contiguous copy.
  const all = Buffer.concat(buffers);
  while (written < total) {
    const n = writevSync(fd, [all.subarray(written)], position + written);
    if (n === 0) throw new Error(`short write to segment at offset ${position + written}`);
    written += n;
  }
}

/**
 * Reads exactly `length` bytes at `offset`, or fewer when the file ends first. The buffer has an
 * ArrayBuffer of its own (never Node's shared pool), so that it can move to another thread.
 */
export function preadFully(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.allocUnsafeSlow(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}
