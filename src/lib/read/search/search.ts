/**
 * `bonnie search`: the messages a query matches, newest first (by the message's date: its Date header, see
 * schema.ts), one result per place (folder, UID) a matching content is or was, each with the reference
 * `bonnie history --message`, `bonnie restore --message` and `bonnie export` accept: `<mailboxID>:<uid>`.
 * Read-only; the index is brought up to date beforehand by update.ts.
 */
import {isoTime} from '../../core/time.js';
import type {Catalog, Db} from '../../base/catalog/catalog.js';
import {formatMessageRef, formatPlacementRef} from '../discovery/refs.js';
import {MessageAtPlacement} from '../../pipeline/record/messages.js';
import {compileQuery} from './compile.js';
import {planQuery} from './plan.js';
import {parseQuery} from './query.js';
import {SearchIndex, searchIndexMissing} from './search-index.js';
import type {Removal} from './facts.js';
import {updateSearch, type UpdateOptions, type UpdateSummary} from './update.js';

/** Results shown when --limit is not given. */
export const DEFAULT_LIMIT = 50;

export interface SearchOptions {
  limit?: number;
  /** Also mail that is gone: expunged, moved away, in a deleted folder (the archive still holds it). */
  includeDeleted?: boolean;
  /** For durations in dates (`after:7d`). */
  now?: Date;
}

/** One result: a message in one place. Fields may be added, never removed or renamed. */
export interface SearchHit {
  /** `<mailboxID>:<uid>`: what `bonnie history --message` and `bonnie restore --message` accept. */
  ref: string;
  /** The record's reference of the message (emailid, or msg:<n>), when the record knows this place. */
  messageRef: string | null;
  /** ISO 8601: the Date header, else the internal date, else when bonnie first saw it (`dateSource`). */
  date: string;
  dateSource: 'header' | 'internal' | 'seen';
  /** The first From address (its name when it has no address). */
  from: string;
  subject: string;
  messageId: string;
  /** The folder's name now (admin form), and its owner's login (null: a shared folder). */
  folder: string;
  owner: string | null;
  mailboxId: string;
  uidValidity: number;
  uid: number;
  flags: string[];
  /** Whether the message is gone from the folder (the archive still holds it), and how. */
  deleted: boolean;
  removal: Removal | null;
  /** The internal date (ISO 8601) when a snapshot gave it. */
  internalDate: string | null;
  size: number;
  hasAttachment: boolean;
  /** Hex SHA-256 of the exact bytes: the archive's blob id. */
  blob: string;
  /** Why the text of this message is not indexed, if it is not. */
  problem: string | null;
}

export interface SearchResults {
  query: string;
  limit: number;
  includeDeleted: boolean;
  hits: SearchHit[];
  /** True when more messages match than `limit`. */
  more: boolean;
}

interface Row {
  doc_date: number;
  date_source: SearchHit['dateSource'];
  from_display: string;
  subject: string;
  message_id: string;
  size: number;
  has_attachment: number;
  problem: string | null;
  sha256: Buffer;
  mailbox_id: string;
  folder: string;
  owner: string | null;
  uid_validity: number;
  uid: number;
  flags: string;
  deleted: number;
  removal: Removal | null;
  internal_date: number | null;
}

const COLUMNS = `d.date AS doc_date, d.date_source, d.from_display, d.subject, d.message_id, d.size, d.has_attachment, d.problem, d.sha256,
  o.mailbox_id, o.name AS folder, i.owner, i.uid_validity, i.uid, i.flags, i.deleted, i.removal, i.internal_date`;

/** Runs `query`. Throws QueryInvalid (usage) for a query that does not parse, SearchIndexMissing without the index. */
export function searchMessages(db: Db, query: string, options: SearchOptions = {}): SearchResults {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const includeDeleted = options.includeDeleted === true;
  const node = parseQuery(query, options.now);
  if (!SearchIndex.exists(db)) throw searchIndexMissing();
  const plan = planQuery(db, compileQuery(db, node, {includeDeleted}), COLUMNS, limit + 1);
  const rows = db.prepare<unknown[], Row>(plan.sql).all(...plan.params);
  const messageOf = new MessageAtPlacement(db);
  const hits = rows.slice(0, limit).map((r) => toHit(r, messageOf.get(r.mailbox_id, r.uid, r.uid_validity)));
  return {query, limit, includeDeleted, hits, more: rows.length > limit};
}

/**
 * The places (search_item ids) `query` matches, gone mail included: what a retention rule or a legal hold
 * scoped by a search query covers. Throws QueryInvalid for a query that does not parse, SearchIndexMissing
 * without the index.
 */
export function matchingPlaces(db: Db, query: string, now?: Date): Set<number> {
  const node = parseQuery(query, now);
  if (!SearchIndex.exists(db)) throw searchIndexMissing();
  const plan = planQuery(db, compileQuery(db, node, {includeDeleted: true}), 'i.id AS id', Number.MAX_SAFE_INTEGER);
  return new Set(db.prepare<unknown[], {id: number}>(plan.sql).all(...plan.params).map((r) => r.id));
}

function toHit(r: Row, message: {id: number; emailId: string | null} | undefined): SearchHit {
  return {
    ref: formatPlacementRef(r.mailbox_id, r.uid),
    messageRef: message === undefined ? null : formatMessageRef(message),
    date: isoTime(r.doc_date),
    dateSource: r.date_source,
    from: r.from_display,
    subject: r.subject,
    messageId: r.message_id,
    folder: r.folder,
    owner: r.owner,
    mailboxId: r.mailbox_id,
    uidValidity: r.uid_validity,
    uid: r.uid,
    flags: r.flags === '' ? [] : r.flags.split(' '),
    deleted: r.deleted === 1,
    removal: r.removal,
    internalDate: r.internal_date === null ? null : isoTime(r.internal_date),
    size: r.size,
    hasAttachment: r.has_attachment === 1,
    blob: r.sha256.toString('hex'),
    problem: r.problem,
  };
}

export interface SearchCatalogOptions extends SearchOptions {
  /** The query; undefined with `reindex` (rebuild only). */
  query: string | undefined;
  archiveDir: string;
  /** Bring the index up to date first (default true). */
  update?: boolean;
  /** Drop and rebuild the index first. */
  reindex?: boolean;
  onProgress?: UpdateOptions['onProgress'];
}

/** What `bonnie search --json` prints. Fields may be added, never removed or renamed. */
export interface SearchOutcome extends Omit<SearchResults, 'query'> {
  query: string | null;
  /** What the update before the query did, or null with --no-update. */
  update: UpdateSummary | null;
}

/**
 * `bonnie search`: checks the query, brings the index up to date (or rebuilds it), then runs the query. The
 * catalog must be writable unless `update` is false.
 */
export async function searchCatalog(catalog: Catalog, options: SearchCatalogOptions): Promise<SearchOutcome> {
  const now = options.now ?? new Date();
  // A mistake in the query is reported before any long update.
  if (options.query !== undefined) parseQuery(options.query, now);
  const update = options.update !== false || options.reindex === true ? await updateSearch(catalog, options.archiveDir, {reindex: options.reindex, onProgress: options.onProgress}) : null;
  if (options.query === undefined) return {query: null, limit: options.limit ?? DEFAULT_LIMIT, includeDeleted: options.includeDeleted === true, hits: [], more: false, update};
  return {...searchMessages(catalog.db, options.query, {...options, now}), update};
}
