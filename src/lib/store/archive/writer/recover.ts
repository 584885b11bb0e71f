/**
 * What a writer does first: segments left open by a writer that died are cut back to the end of their
 * last indexed member and sealed (or, with no indexed member, removed), after the files of a prune that
 * committed but died before removing them.
 */
import {closeSync, existsSync, ftruncateSync, fsyncSync, openSync, statSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import type {Catalog} from '../../../base/catalog/catalog.js';
import {removeIfPresent} from '../../../base/system/files.js';
import {assertReadableFormat, type ArchiveIndex} from '../index/repository.js';
import {removeRetiredSegments} from '../repack.js';
import {TAR_END_BYTES} from '../segment/tar.js';

/** Segments left open by a writer that died: cut back to the last indexed member and sealed, or removed when empty. */
export function recoverOpenSegments(catalog: Catalog, index: ArchiveIndex, archiveDir: string, now: () => number): void {
  // Old segments of a prune that committed but died before removing their files.
  removeRetiredSegments(catalog, archiveDir);
  const open = index.listSegments().filter((segment) => segment.state === 'open');
  // Sealing appends: never to a segment of another format, and none is touched if one is.
  for (const segment of open) assertReadableFormat(segment);
  for (const segment of open) {
    const path = join(archiveDir, segment.path);
    if (!index.holdsAnything(segment.id)) {
      removeIfPresent(path);
      index.dropEmptySegment(segment.id);
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
    index.closeSegment(segment.id, segment.bytes + TAR_END_BYTES, now());
  }
}
