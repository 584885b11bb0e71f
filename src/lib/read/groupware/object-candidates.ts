/**
 * Which archived contents may be revisions of an object: those whose Subject is its UID. Found through the
 * search index (search/schema.ts), which every archive writer keeps current: an FTS5 phrase query on the
 * subject column narrows to a few documents, then the exact subject is compared. A UID with no letter or
 * digit (nothing FTS5 can match) falls back to reading every document's subject.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {ArchiveIndexReader} from '../../store/archive/index/repository.js';
import {indexText} from '../search/index-text.js';
import {SearchIndex, searchIndexMissing} from '../search/search-index.js';

/** SHA-256s of the archived contents whose Subject is exactly `uid` (surrounding white space aside). */
export function contentsWithSubject(db: Db, uid: string): Buffer[] {
  if (!SearchIndex.exists(db)) throw searchIndexMissing();
  const phrase = /[\p{L}\p{N}]/u.test(uid) ? `subject : "${indexText(uid).replaceAll('"', '""')}"` : undefined;
  return new SearchIndex(db).contentsWithSubject(uid, phrase);
}

/**
 * Whether the archive holds contents the search index has not read yet (it was never built, or a writer ran
 * with --no-index): their revisions cannot be found until it has.
 */
export function searchIndexBehind(db: Db): boolean {
  const index = new SearchIndex(db);
  if (index.state().builtAt === null) return true;
  const marks = index.segmentMarks();
  return [...new ArchiveIndexReader(db).segmentTops()].some(([segmentId, top]) => top > (marks.get(segmentId) ?? -1));
}
