/**
 * Reading messages back by blob id: one pread per message (header and frame), then decompress and re-hash,
 * so a message is never returned unless its bytes are exactly the ones archived. A split message (archive
 * format 3) is read as its manifest, then each part it names (one pread each), reassembled and re-hashed.
 */
import {closeSync, openSync} from 'node:fs';
import {join} from 'node:path';
import type {Catalog} from '../../base/catalog/catalog.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {BlobDecompressor, blobHex, openFrame, type BlobId} from './blob/blob.js';
import {ArchiveIndex, assertReadableFormat} from './index/repository.js';
import {openManifestReading} from './blob/manifest.js';
import {readMember, readPartMember} from './segment/member.js';
import {readArchiveFormat} from './version-file.js';
import {isPermissionDenied, permissionDenied} from '../../base/system/ownership.js';

/** How many segment files a reader keeps open at once. */
export const READER_OPEN_SEGMENTS = 32;

/** Reads blobs from the archive at `archiveDir` indexed in `catalog`. Close it to release file descriptors. */
export class ArchiveReader {
  private readonly index: ArchiveIndex;
  private readonly decompressor = new BlobDecompressor();
  /** Open segment files, least recently used first. */
  private readonly fds = new Map<string, number>();
  private readonly catalogPath: string;
  /** The archive's version file was checked (once, at the first read). */
  private formatChecked = false;

  constructor(catalog: Catalog, readonly archiveDir: string) {
    this.index = new ArchiveIndex(catalog.db);
    this.catalogPath = catalog.path;
  }

  /** True when the index holds the blob. */
  hasBlob(id: BlobId): boolean {
    return this.index.getBlob(id) !== undefined;
  }

  /**
   * The message's exact bytes. Throws BlobUnknown (not archived), ArchiveFormatUnknown (a newer bonnie wrote
   * its segment), SegmentMissing (its segment file is gone) or BlobCorrupt (the bytes there are not this
   * message); each names the blob, the segment and the offset.
   */
  readBlob(id: BlobId): Buffer {
    const blob = this.index.getBlob(id);
    const hex = blobHex(id);
    if (blob === undefined) throw new BonnieError('BlobUnknown', `the archive holds no blob ${hex}`);
    if (!this.formatChecked) {
      readArchiveFormat(this.archiveDir, this.catalogPath);
      this.formatChecked = true;
    }
    const segment = this.index.getSegment(blob.segmentId);
    if (segment !== undefined) assertReadableFormat(segment);
    const path = join(this.archiveDir, segment?.path ?? '');
    const fd = this.segmentFd(blob.segmentId, path, hex);
    const frame = readMember(fd, blob);
    const bytes =
      typeof frame === 'string'
        ? frame
        : blob.manifest === true
          ? openManifestReading(this.decompressor, frame, (part) => this.readPartFrame(part), id, blob.originalLength)
          : openFrame(this.decompressor, frame, id, blob.originalLength);
    if (typeof bytes === 'string') {
      throw new BonnieError('BlobCorrupt', `blob ${hex} in segment ${blob.segmentId} (${path}) at offset ${blob.headerOffset} is corrupt: ${bytes}`, {
        hint: 'Run "bonnie verify --read-data" to find every damaged blob; restore the segment from a copy if you have one.',
      });
    }
    return bytes;
  }

  /**
   * The stored frame of a part blob (archive format 3), or why it cannot be read (not indexed, segment
   * missing, not its member there). Throws ArchiveFormatUnknown and PermissionDenied as readBlob does.
   */
  readPartFrame(id: BlobId): Buffer | string {
    const part = this.index.getPart(id);
    if (part === undefined) return 'the archive index holds no such part';
    const segment = this.index.getSegment(part.segmentId);
    if (segment !== undefined) assertReadableFormat(segment);
    const path = join(this.archiveDir, segment?.path ?? '');
    let fd: number;
    try {
      fd = this.segmentFd(part.segmentId, path, blobHex(id));
    } catch (error) {
      if (error instanceof BonnieError && error.code === 'SegmentMissing') return `its segment ${part.segmentId} (${path}) is missing`;
      throw error;
    }
    return readPartMember(fd, part);
  }

  /** Closes every open segment file. */
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private segmentFd(segmentId: string, path: string, hex: string): number {
    const cached = this.fds.get(segmentId);
    if (cached !== undefined) {
      this.fds.delete(segmentId);
      this.fds.set(segmentId, cached);
      return cached;
    }
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        const count = this.index.listBlobs(segmentId).length;
        throw new BonnieError('SegmentMissing', `segment ${segmentId} (${path}) is missing: blob ${hex} and ${count - 1} other blob(s) in it cannot be read`, {
          hint: 'Restore the segment file from a copy if you have one; "bonnie verify" lists every affected blob.',
        });
      }
      if (isPermissionDenied(error)) throw permissionDenied('read segment', path, error, this.catalogPath);
      throw new BonnieError('SegmentUnreadable', `cannot open segment ${segmentId} (${path}): ${errorMessage(error)}`, {cause: error});
    }
    this.fds.set(segmentId, fd);
    if (this.fds.size > READER_OPEN_SEGMENTS) {
      const [oldestId, oldestFd] = this.fds.entries().next().value as [string, number];
      this.fds.delete(oldestId);
      closeSync(oldestFd);
    }
    return fd;
  }
}
