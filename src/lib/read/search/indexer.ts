/**
 * Adding places (folder, UIDVALIDITY, UID -> blob) to the search index: parse each content once (outside any
 * transaction: parsing is the slow part), then write its document, its text and its places in one short
 * IMMEDIATE transaction per batch, so the dealer and `bonnie process` are never kept waiting long.
 *
 * Idempotent: a content or a place already indexed is skipped, so the collector's hook, `bonnie archive`'s
 * hook and the catch-up of `bonnie search` may all index the same message, even at the same time.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {errorMessage} from '../../base/errors.js';
import {extractDoc, type MessageDoc} from '../../core/mail/extract.js';
import {LocationFacts} from './facts.js';
import {SearchIndex} from './search-index.js';

/** One place whose bytes are the blob `sha256`. */
export interface IndexLocation {
  mailboxId: string;
  /** 0 when not known (the collector's jobs from events without it). */
  uidValidity: number;
  uid: number;
  /** The blob id: SHA-256 of the exact bytes. */
  sha256: Buffer;
}

/** What one call added. */
export interface IndexSummary {
  /** Places added (not already indexed). */
  locations: number;
  /** Contents added (parsed and indexed). */
  docs: number;
  /** Of those, contents whose text could not be indexed (see search_doc.problem). */
  problems: number;
}

/** A content to index with its places; `bytes` undefined with `problem` when they could not be read. */
export interface PendingDoc {
  sha256: Buffer;
  locations: IndexLocation[];
  bytes: Uint8Array | undefined;
  /** Its length when `bytes` are missing (from the archive index), else ignored. */
  size?: number;
  problem?: string;
}

/** Messages parsed at once. */
const PARSE_CONCURRENCY = 4;

interface ParsedDoc {
  pending: PendingDoc;
  doc: MessageDoc | undefined;
  problem: string | null;
}

/** Groups places by blob, in order of first appearance. */
export function groupByBlob<T extends IndexLocation>(locations: Iterable<T>): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const location of locations) {
    const key = location.sha256.toString('hex');
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [location]);
    else group.push(location);
  }
  return groups;
}

/**
 * Indexes `docs`: parses those not indexed yet, then writes everything in one transaction. `now` (ms) is the
 * date of last resort of a message with no Date header that nothing else dates.
 */
export async function indexDocs(db: Db, docs: readonly PendingDoc[], now: number = Date.now()): Promise<IndexSummary> {
  const index = new SearchIndex(db);
  const parsed: ParsedDoc[] = [];
  // A few at a time: postal-mime reads its input asynchronously, and those waits overlap.
  for (let at = 0; at < docs.length; at += PARSE_CONCURRENCY) {
    parsed.push(...(await Promise.all(docs.slice(at, at + PARSE_CONCURRENCY).map((pending) => parse(index, pending)))));
  }
  return db.transaction(() => writeDocs(db, index, parsed, now)).immediate();
}

async function parse(index: SearchIndex, pending: PendingDoc): Promise<ParsedDoc> {
  if (index.docId(pending.sha256) !== undefined || pending.bytes === undefined) return {pending, doc: undefined, problem: pending.problem ?? null};
  try {
    return {pending, doc: await extractDoc(pending.bytes), problem: null};
  } catch (error) {
    return {pending, doc: undefined, problem: `the message could not be parsed: ${errorMessage(error)}`};
  }
}

function writeDocs(db: Db, index: SearchIndex, parsed: readonly ParsedDoc[], now: number): IndexSummary {
  const facts = new LocationFacts(db);
  const summary: IndexSummary = {locations: 0, docs: 0, problems: 0};
  for (const {pending, doc, problem} of parsed) {
    const places = pending.locations.map((l) => {
      const folder = facts.folder(l.mailboxId);
      const {id} = index.saveFolder(folder);
      return {location: l, folder, folderId: id};
    });
    const todo = places.filter((p) => index.itemId(p.folderId, p.location.uidValidity, p.location.uid) === undefined);
    if (todo.length === 0) continue;
    const items = todo.map((p) => ({...p, item: facts.item(p.folder, p.location.uidValidity, p.location.uid)}));
    let docId = index.docId(pending.sha256);
    if (docId === undefined) {
      const internal = items.map((p) => p.item.internalDate).find((d) => d !== null);
      const seen = items.map((p) => p.item.seenAt).find((d) => d !== null);
      docId = index.addDoc({
        sha256: pending.sha256,
        doc,
        problem: doc === undefined ? (problem ?? 'the message could not be read') : null,
        size: pending.bytes?.length ?? pending.size ?? 0,
        fallback: internal != null ? {date: internal, source: 'internal'} : {date: seen ?? now, source: 'seen'},
      });
      summary.docs++;
      if (doc === undefined) summary.problems++;
    }
    for (const p of items) if (index.addItem(p.folderId, p.location.uidValidity, p.location.uid, docId, p.folder.owner, p.item)) summary.locations++;
  }
  index.counted(summary.docs, summary.locations);
  return summary;
}

/**
 * THE hook for writers of the archive (the collector, `bonnie archive`): call it right after the commit
 * that linked these places to their blobs, with the bytes already in hand (nothing is read again). Parses
 * each content once, however many places hold it; a message that cannot be parsed is indexed with its
 * problem (found by folder, date, flags... but not by its text). Throws only what the catalog throws
 * (e.g. SQLITE_BUSY): a failure loses nothing, the next `bonnie search` catches up from the catalog.
 */
export async function indexLocations(db: Db, rows: ReadonlyArray<IndexLocation & {bytes: Uint8Array}>, now: number = Date.now()): Promise<IndexSummary> {
  const docs: PendingDoc[] = [...groupByBlob(rows).values()].map((group) => ({sha256: (group[0] as IndexLocation).sha256, locations: group, bytes: (group[0] as {bytes: Uint8Array}).bytes}));
  return indexDocs(db, docs, now);
}
