/**
 * Rebuild's check of split messages (archive format 3): each manifest's message reassembled from its parts
 * and re-hashed against its id, as `bonnie verify --read-data` does, so that a manifest whose parts are
 * intact but do not make its message is skipped like a blob whose bytes are not its message.
 *
 * The parts are normally just before their manifest in the same segment (the writer appends them
 * together): the walk hands each part's content, already decompressed and re-hashed, to {@link part},
 * kept in a bounded window ({@link SPLIT_CHECK_WINDOW_BYTES}), and a manifest whose parts are all in it is
 * checked at once. One that names a part out of the window (stored by an earlier message, or in a later
 * segment) is checked by {@link finish}, once every segment is indexed, from the index; it is then
 * forgotten from the index when it does not reassemble.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';
import {assembleMessage, type Manifest} from './blob/manifest.js';
import type {BlobId} from './blob/blob.js';
import type {ArchiveIndex} from './index/repository.js';
import {ArchiveReader} from './reader.js';

/** Decompressed part contents kept for the manifests that follow them, in bytes at most. */
export const SPLIT_CHECK_WINDOW_BYTES = 32 * 1024 * 1024;

/** Where a member was read: what a skipped one is reported with. */
export interface MemberPlace {
  segment: string;
  offset: number;
  name: string;
}

export class SplitCheck {
  private readonly window = new Map<string, Buffer>();
  private windowBytes = 0;
  private readonly deferred: Array<{id: BlobId; segmentId: string; place: MemberPlace}> = [];

  /** A part read (its content hashes to its id): kept for the manifests after it, the oldest dropped first. */
  part(hex: string, content: Buffer): void {
    if (this.window.has(hex)) return;
    this.window.set(hex, content);
    this.windowBytes += content.length;
    for (const [old, bytes] of this.window) {
      if (this.windowBytes <= SPLIT_CHECK_WINDOW_BYTES) break;
      this.window.delete(old);
      this.windowBytes -= bytes.length;
    }
  }

  /** Checks a manifest now when its parts are in the window (why not, when it is not its message), else later. */
  manifest(manifest: Manifest, id: BlobId, segmentId: string, place: MemberPlace): string | undefined {
    if (manifest.parts.some((p) => !this.window.has(p.sha256))) {
      this.deferred.push({id, segmentId, place});
      return undefined;
    }
    return assembleMessage(manifest, this.window, id, manifest.length, 'check');
  }

  /**
   * Checks the manifests left for later from the index (every segment indexed by now): each one indexed
   * that does not give back its message is forgotten, with its references. Returns those, with why.
   */
  finish(catalog: Catalog, archiveDir: string, index: ArchiveIndex): Array<MemberPlace & {reason: string}> {
    this.window.clear();
    if (this.deferred.length === 0) return [];
    const failed: Array<MemberPlace & {reason: string; id: BlobId}> = [];
    const reader = new ArchiveReader(catalog, archiveDir);
    try {
      for (const {id, segmentId, place} of this.deferred) {
        const blob = index.getBlob(id);
        // Another copy is indexed (a newer one of the same message): it is checked as itself.
        if (blob?.segmentId !== segmentId || blob.headerOffset !== place.offset) continue;
        try {
          reader.readBlob(id);
        } catch (error) {
          if (!(error instanceof BonnieError) || (error.code !== 'BlobCorrupt' && error.code !== 'SegmentMissing')) throw error;
          failed.push({...place, id, reason: error.message.replace(/^.* is corrupt: /, '')});
        }
      }
    } finally {
      reader.close();
    }
    if (failed.length > 0) catalog.db.transaction(() => failed.forEach((f) => index.forgetBlob(f.id)))();
    return failed.map(({id: _id, ...rest}) => rest);
  }
}
