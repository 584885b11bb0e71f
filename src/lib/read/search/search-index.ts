/**
 * The search index's repository (schema.ts): documents and their full text, folders, places, watermarks.
 * Statements are prepared once; callers group writes in transactions. Never reads the archive.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';
import type {MessageDoc} from '../../core/mail/extract.js';
import {indexText} from './index-text.js';
import type {FolderFacts, ItemFacts} from './facts.js';

/**
 * Doc ids are date keys: the date in seconds (Date headers have no finer resolution) times this, plus a
 * counter (schema.ts). Seconds rather than ms keep the gaps between rowids, hence FTS5's doclists, small.
 */
export const DATE_KEY_SLOTS = 1024;
/** Dates are clamped below this (seconds) so that keys stay exact in a double. */
const MAX_KEY_SECONDS = 2 ** 42;

/** The doc id of a date (ms): the first key of that second. */
export function dateKey(ms: number): number {
  return Math.min(Math.max(Math.floor(ms / 1000), 0), MAX_KEY_SECONDS - 1) * DATE_KEY_SLOTS;
}

/** The error for a catalog without the search tables: one opened read-only that predates migration 7. */
export function searchIndexMissing(): BonnieError {
  return new BonnieError('SearchIndexMissing', 'this catalog has no search index yet', {
    hint: 'Run "bonnie search" once without --no-update, as a user who can write the catalog: it adds the index and builds it.',
  });
}

/** The watermarks of the incremental update. */
export interface SearchState {
  changeId: number;
  snapshotId: number;
  jobId: number;
  /** When the last full build finished (ms), or null: never. */
  builtAt: number | null;
}

/** A content to add: its parsed fields (undefined with `problem` when there are none), size and date. */
/** A place of an archived message (search_item) with its content (search_doc): what retention decides on. */
export interface ArchivedItem {
  id: number;
  mailboxId: string;
  uidValidity: number;
  uid: number;
  /** The folder's owner (login), when known. */
  owner: string | null;
  /** The folder as its owner sees it (`INBOX`, `Sent`, `Archive/2026`). */
  path: string;
  /** 1: gone from the folder (the archive still has it). */
  deleted: number;
  sha256: Buffer;
  /** The message's date (its Date header, else when it arrived), ms. */
  date: number;
  size: number;
}

export interface NewDoc {
  sha256: Buffer;
  doc: MessageDoc | undefined;
  problem: string | null;
  size: number;
  /** The date when the message has no usable Date header, and where it comes from. */
  fallback: {date: number; source: 'internal' | 'seen'};
}

export class SearchIndex {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      docBySha: db.prepare<[Buffer], {id: number}>('SELECT id FROM search_doc WHERE sha256 = ?'),
      topKey: db.prepare<[number, number], {id: number | null}>('SELECT max(id) AS id FROM search_doc WHERE id >= ? AND id < ?'),
      insertDoc: db.prepare<[number, Buffer, number, string, string, string, string, number, number, string | null]>(
        'INSERT INTO search_doc (id, sha256, date, date_source, from_display, subject, message_id, size, has_attachment, problem) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertText: db.prepare<[number, string, string, string, string, string, string, string]>(
        'INSERT INTO search_fts (rowid, from_header, to_header, cc_header, subject, body, attachments, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      folderByMailbox: db.prepare<[string], {id: number; name: string; path: string; owner: string | null; deleted: number}>('SELECT id, name, path, owner, deleted FROM search_folder WHERE mailbox_id = ?'),
      insertFolder: db.prepare<[string, string, string, string | null, number], {id: number}>('INSERT INTO search_folder (mailbox_id, name, path, owner, deleted) VALUES (?, ?, ?, ?, ?) RETURNING id'),
      updateFolder: db.prepare<[string, string, string | null, number, number]>('UPDATE search_folder SET name = ?, path = ?, owner = ?, deleted = ? WHERE id = ?'),
      ownerOfItems: db.prepare<[string | null, number, string | null]>('UPDATE search_item SET owner = ? WHERE folder_id = ? AND owner IS NOT ?'),
      itemAt: db.prepare<[number, number, number], {id: number}>('SELECT id FROM search_item WHERE folder_id = ? AND uid_validity = ? AND uid = ?'),
      insertItem: db.prepare<[number, number, number, number, string | null, string, number, string | null, number | null]>(
        `INSERT INTO search_item (folder_id, uid_validity, uid, doc_id, owner, flags, deleted, removal, internal_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (folder_id, uid_validity, uid) DO NOTHING`,
      ),
      updateItem: db.prepare<[string | null, string, number, string | null, number | null, number]>(
        'UPDATE search_item SET owner = ?, flags = ?, deleted = ?, removal = ?, internal_date = ? WHERE id = ?',
      ),
      itemFlags: db.prepare<[number], {doc_id: number; flags: string}>('SELECT doc_id, flags FROM search_item WHERE id = ?'),
      addFlag: db.prepare<[string, number, number]>('INSERT OR IGNORE INTO search_flag (flag, doc_id, item_id) VALUES (?, ?, ?)'),
      dropFlag: db.prepare<[string, number, number]>('DELETE FROM search_flag WHERE flag = ? AND doc_id = ? AND item_id = ?'),
      archived: db.prepare<[number, number], ArchivedItem>(
        `SELECT i.id, i.uid_validity AS uidValidity, i.uid, i.owner, i.deleted, f.mailbox_id AS mailboxId, f.path, d.sha256, d.date, d.size
         FROM search_item i JOIN search_folder f ON f.id = i.folder_id JOIN search_doc d ON d.id = i.doc_id
         WHERE i.id > ? ORDER BY i.id LIMIT ?`,
      ),
      itemsOfFolder: db.prepare<[number, number], {id: number; uid_validity: number; uid: number}>('SELECT id, uid_validity, uid FROM search_item WHERE folder_id = ? AND id <= ? ORDER BY id'),
      lastItem: db.prepare<[], {id: number | null}>('SELECT max(id) AS id FROM search_item'),
      // FTS5's incremental merge: a negative count merges every segment, level or not (fts5.html, "merge").
      merge: db.prepare<[number]>("INSERT INTO search_fts (search_fts, rank) VALUES ('merge', ?)"),
      changes: db.prepare<[], {n: number}>('SELECT total_changes() AS n'),
      state: db.prepare<[], {change_id: number; snapshot_id: number; job_id: number; built_at: number | null}>('SELECT change_id, snapshot_id, job_id, built_at FROM search_state WHERE id = 1'),
      saveState: db.prepare<[number, number, number]>('UPDATE search_state SET change_id = max(change_id, ?), snapshot_id = max(snapshot_id, ?), job_id = max(job_id, ?) WHERE id = 1'),
      resetState: db.prepare<[number, number, number, number | null]>('UPDATE search_state SET change_id = ?, snapshot_id = ?, job_id = ?, built_at = ?, docs = 0, items = 0 WHERE id = 1'),
      counted: db.prepare<[number, number]>('UPDATE search_state SET docs = docs + ?, items = items + ? WHERE id = 1'),
      sizes: db.prepare<[], {docs: number; items: number}>('SELECT docs, items FROM search_state WHERE id = 1'),
      segmentMarks: db.prepare<[], {segment_id: string; header_offset: number}>('SELECT segment_id, header_offset FROM search_segment'),
      saveSegmentMark: db.prepare<[string, number]>(
        'INSERT INTO search_segment (segment_id, header_offset) VALUES (?, ?) ON CONFLICT (segment_id) DO UPDATE SET header_offset = max(header_offset, excluded.header_offset)',
      ),
    };
  }

  /** True when the catalog has the search tables (a read-only catalog older than migration 7 has not). */
  static exists(db: Db): boolean {
    return db.prepare<[], {n: number}>("SELECT 1 AS n FROM sqlite_master WHERE type = 'table' AND name = 'search_state'").get() !== undefined;
  }

  /** The doc id of a content already indexed. */
  docId(sha256: Buffer): number | undefined {
    return this.s.docBySha.get(sha256)?.id;
  }

  /** Adds a content (its row and its text); returns its id. Call inside a transaction. */
  addDoc(d: NewDoc): number {
    const headerDate = d.doc?.date;
    const date = headerDate ?? d.fallback.date;
    const id = this.freeKey(date);
    const doc = d.doc;
    this.s.insertDoc.run(
      id,
      d.sha256,
      Math.round(date),
      headerDate !== undefined ? 'header' : d.fallback.source,
      doc?.fromDisplay ?? '',
      doc?.subject ?? '',
      doc?.messageId ?? '',
      d.size,
      doc?.hasAttachment === true ? 1 : 0,
      d.problem,
    );
    if (doc !== undefined) {
      this.s.insertText.run(id, indexText(doc.from), indexText(doc.to), indexText(doc.cc), indexText(doc.subject), indexText(doc.body), indexText(doc.attachments), indexText(doc.messageId));
    }
    return id;
  }

  /** The first unused key at or after the date's: contents of the same millisecond get the next ones. */
  private freeKey(date: number): number {
    let low = dateKey(date);
    for (;;) {
      const top = this.s.topKey.get(low, low + DATE_KEY_SLOTS)?.id ?? null;
      if (top === null) return low;
      if (top + 1 < low + DATE_KEY_SLOTS) return top + 1;
      low += DATE_KEY_SLOTS;
    }
  }

  /**
   * The folder's row, created or brought up to date from `facts`; `changed` tells whether its owner or its
   * deletion changed (its places then need refreshing). The owner is copied to its places here.
   */
  saveFolder(facts: FolderFacts): {id: number; changed: boolean} {
    const deleted = facts.deleted ? 1 : 0;
    const row = this.s.folderByMailbox.get(facts.mailboxId);
    if (row === undefined) return {id: (this.s.insertFolder.get(facts.mailboxId, facts.name, facts.path, facts.owner, deleted) as {id: number}).id, changed: false};
    if (row.name === facts.name && row.path === facts.path && row.owner === facts.owner && row.deleted === deleted) return {id: row.id, changed: false};
    this.s.updateFolder.run(facts.name, facts.path, facts.owner, deleted, row.id);
    if (row.owner !== facts.owner) this.s.ownerOfItems.run(facts.owner, row.id, facts.owner);
    return {id: row.id, changed: row.owner !== facts.owner || row.deleted !== deleted};
  }

  /** The folder's row id, if it has one. */
  folderId(mailboxId: string): number | undefined {
    return this.s.folderByMailbox.get(mailboxId)?.id;
  }

  /** The place's row id, if it is indexed. */
  itemId(folderId: number, uidValidity: number, uid: number): number | undefined {
    return this.s.itemAt.get(folderId, uidValidity, uid)?.id;
  }

  /** Adds a place (nothing when it is already there); true when added. */
  addItem(folderId: number, uidValidity: number, uid: number, docId: number, owner: string | null, item: ItemFacts): boolean {
    const added = this.s.insertItem.run(folderId, uidValidity, uid, docId, owner, item.flags.join(' '), item.deleted ? 1 : 0, item.removal, item.internalDate);
    if (added.changes !== 1) return false;
    this.setFlags(Number(added.lastInsertRowid), docId, '', item.flags);
    return true;
  }

  updateItem(id: number, owner: string | null, item: ItemFacts): void {
    const before = this.s.itemFlags.get(id);
    if (before === undefined) return;
    this.s.updateItem.run(owner, item.flags.join(' '), item.deleted ? 1 : 0, item.removal, item.internalDate, id);
    this.setFlags(id, before.doc_id, before.flags, item.flags);
  }

  private setFlags(itemId: number, docId: number, before: string, after: readonly string[]): void {
    const next = new Set(after.map((f) => f.toLowerCase()));
    const previous = new Set(before === '' ? [] : before.toLowerCase().split(' '));
    for (const flag of previous) if (!next.has(flag)) this.s.dropFlag.run(flag, docId, itemId);
    for (const flag of next) if (!previous.has(flag)) this.s.addFlag.run(flag, docId, itemId);
  }

  /** The folder's places, those up to row `upTo` (places added later were computed when added). */
  itemsOfFolder(folderId: number, upTo: number): Array<{id: number; uidValidity: number; uid: number}> {
    return this.s.itemsOfFolder.all(folderId, upTo).map((r) => ({id: r.id, uidValidity: r.uid_validity, uid: r.uid}));
  }

  /** Every indexed place with its content's date and size, by row id after `afterId` (paging), `limit` at a time. */
  archivedItems(afterId: number, limit: number): ArchivedItem[] {
    return this.s.archived.all(afterId, limit);
  }

  /** The last place's row id (0: none). */
  lastItemId(): number {
    return this.s.lastItem.get()?.id ?? 0;
  }

  state(): SearchState {
    const row = this.s.state.get();
    return row === undefined ? {changeId: 0, snapshotId: 0, jobId: 0, builtAt: null} : {changeId: row.change_id, snapshotId: row.snapshot_id, jobId: row.job_id, builtAt: row.built_at};
  }

  /** Counts contents and places added (call in the transaction that added them). */
  counted(docs: number, items: number): void {
    if (docs !== 0 || items !== 0) this.s.counted.run(docs, items);
  }

  /** How many contents and places the index holds. */
  sizes(): {docs: number; items: number} {
    return this.s.sizes.get() ?? {docs: 0, items: 0};
  }

  /** Advances the watermarks (never moves one back: two updates may run at once). */
  advance(marks: Pick<SearchState, 'changeId' | 'snapshotId' | 'jobId'>): void {
    this.s.saveState.run(marks.changeId, marks.snapshotId, marks.jobId);
  }

  /**
   * The contents whose Subject is exactly `subject` (white space around it aside), oldest first. With
   * `match` (an FTS5 query narrowing them first), through the full-text index; without, by reading every
   * content's subject.
   */
  contentsWithSubject(subject: string, match: string | undefined): Buffer[] {
    const rows =
      match === undefined
        ? this.db.prepare<[string], {sha256: Buffer}>('SELECT sha256 FROM search_doc WHERE trim(subject) = ? ORDER BY id').all(subject)
        : this.db.prepare<[string, string], {sha256: Buffer}>('SELECT d.sha256 FROM search_fts f JOIN search_doc d ON d.id = f.rowid WHERE search_fts MATCH ? AND trim(d.subject) = ? ORDER BY d.id').all(match, subject);
    return rows.map((r) => r.sha256);
  }

  segmentMarks(): Map<string, number> {
    return new Map(this.s.segmentMarks.all().map((r) => [r.segment_id, r.header_offset]));
  }

  markSegment(segmentId: string, headerOffset: number): void {
    this.s.saveSegmentMark.run(segmentId, headerOffset);
  }

  /**
   * Forgets pruned contents: their text, their places and flags, their rows (call in the prune's
   * transaction). Returns how many contents were indexed. Folders stay: other places may be in them.
   */
  forgetContents(sha256s: readonly Buffer[]): number {
    const flags = this.db.prepare<[number]>('DELETE FROM search_flag WHERE doc_id = ?');
    const items = this.db.prepare<[number]>('DELETE FROM search_item WHERE doc_id = ?');
    const text = this.db.prepare<[number]>('DELETE FROM search_fts WHERE rowid = ?');
    const doc = this.db.prepare<[number]>('DELETE FROM search_doc WHERE id = ?');
    let docs = 0;
    let places = 0;
    for (const sha256 of sha256s) {
      const id = this.docId(sha256);
      if (id === undefined) continue;
      flags.run(id);
      places += items.run(id).changes;
      text.run(id);
      doc.run(id);
      docs++;
    }
    if (docs > 0 || places > 0) this.s.counted.run(-docs, -places);
    return docs;
  }

  /**
   * A prune's repack: the old segments' marks go, the new segments are marked as indexed up to their last
   * blob (their blobs are contents indexed before, moved; nothing in them is new).
   */
  moveSegmentMarks(retired: readonly string[], copies: ReadonlyArray<{segmentId: string; top: number}>): void {
    const drop = this.db.prepare<[string]>('DELETE FROM search_segment WHERE segment_id = ?');
    for (const id of retired) drop.run(id);
    for (const c of copies) this.s.saveSegmentMark.run(c.segmentId, c.top);
  }

  /** Deletes up to `limit` rows of the index (flags and places first, then folders, then contents); returns how many. */
  deleteSome(limit: number): number {
    const flags = this.db.prepare<[number]>('DELETE FROM search_flag WHERE (flag, doc_id, item_id) IN (SELECT flag, doc_id, item_id FROM search_flag LIMIT ?)').run(limit).changes;
    if (flags > 0) return flags;
    for (const table of ['search_item', 'search_folder', 'search_doc']) {
      const deleted = this.db.prepare<[number]>(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} LIMIT ?)`).run(limit).changes;
      if (deleted > 0) return deleted;
    }
    return 0;
  }

  /** Empties the full text and sets the watermarks a full build starts from (after deleteSome() emptied the rest). */
  reset(marks: Pick<SearchState, 'changeId' | 'snapshotId' | 'jobId'>): void {
    this.db.exec("INSERT INTO search_fts (search_fts) VALUES ('delete-all'); DELETE FROM search_segment;");
    this.s.resetState.run(marks.changeId, marks.snapshotId, marks.jobId, null);
  }

  /**
   * Merges FTS5's segments one step (`pages` pages) at a time; false when nothing is left to merge. Call in
   * a transaction per step until false: one merged segment makes each seek several times faster.
   */
  mergeText(pages: number): boolean {
    const before = this.s.changes.get()?.n ?? 0;
    this.s.merge.run(-pages);
    return (this.s.changes.get()?.n ?? 0) - before >= 2;
  }

  /** Records that a full build finished. */
  built(at: number): void {
    this.db.prepare<[number]>('UPDATE search_state SET built_at = ? WHERE id = 1').run(at);
  }
}
