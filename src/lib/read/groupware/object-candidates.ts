/**
 * Which archived contents may be revisions of an object: those whose Subject is its UID. Found through the
 * search index (search/schema.ts), which every archive writer keeps current: an FTS5 phrase query on the
 * subject column narrows to a few documents, then the exact subject is compared. A UID with no letter or
 * digit (nothing FTS5 can match) falls back to reading every document's subject.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {indexText} from '../search/extract.js';
import {SearchIndex, searchIndexMissing} from '../search/search-index.js';

/** SHA-256s of the archived contents whose Subject is exactly `uid` (surrounding white space aside). */
export function contentsWithSubject(db: Db, uid: string): Buffer[] {
  if (!SearchIndex.exists(db)) throw searchIndexMissing();
  if (!/[\p{L}\p{N}]/u.test(uid)) {
    return db.prepare<[string], {sha256: Buffer}>('SELECT sha256 FROM search_doc WHERE trim(subject) = ? ORDER BY id').all(uid).map((r) => r.sha256);
  }
  const phrase = `subject : "${indexText(uid).replaceAll('"', '""')}"`;
  return db
    .prepare<[string, string], {sha256: Buffer}>('SELECT d.sha256 FROM search_fts f JOIN search_doc d ON d.id = f.rowid WHERE search_fts MATCH ? AND trim(d.subject) = ? ORDER BY d.id')
    .all(phrase, uid)
    .map((r) => r.sha256);
}

/**
 * Whether the archive holds contents the search index has not read yet (it was never built, or a writer ran
 * with --no-index): their revisions cannot be found until it has.
 */
export function searchIndexBehind(db: Db): boolean {
  const row = db
    .prepare<[], {behind: number}>(
      `SELECT (SELECT built_at FROM search_state WHERE id = 1) IS NULL
           OR EXISTS (SELECT 1 FROM segment s
                      WHERE (SELECT max(b.header_offset) FROM blob b WHERE b.segment_id = s.id)
                            > coalesce((SELECT m.header_offset FROM search_segment m WHERE m.segment_id = s.id), -1)) AS behind`,
    )
    .get();
  return row?.behind === 1;
}
