/**
 * A parsed query (query.ts) as SQL with bound parameters: the query's text never becomes SQL, and reaches
 * FTS5 only as quoted phrases (`"..."`, quotes doubled) joined by operators this module writes.
 *
 * The top-level terms of an AND are sorted out for the planner (plan.ts): the text terms become one FTS5
 * expression, dates become bounds on doc ids (date keys, search-index.ts), and user:, folder:, flag:,
 * larger:/smaller: and deleted:yes are noted as terms an index can walk; every other term (and each of those
 * too, as a filter) becomes SQL, a text term below an OR or a NOT becoming a MATCH subquery.
 *
 * Semantics (bonnie-search(1)): a word or phrase matches in any field, `from:` etc. in one; `has:attachment`;
 * `before:D` is before the start of D, `after:D` from the start of D on (D itself included, as IMAP SINCE),
 * `on:D` within D (a duration back from now: that UTC day); `larger:`/`smaller:` strictly, in bytes;
 * `user:` the folder owner's login; `folder:` a folder's name now or ever, its path below the owner (INBOX,
 * Sent) or its mailboxID; `flag:` case-insensitively; `deleted:yes|no`. Mail that is gone is left out unless
 * asked for (--include-deleted, or any deleted: term). `queueid:X` matches the messages whose Message-ID an
 * MTA logged under queue ID X on any host (`bonnie maillog`'s transport record).
 */
import type {Db} from '../../base/catalog/catalog.js';
import {TransportReader} from '../../pipeline/maillog/transport-reader.js';
import {FolderReader} from '../../pipeline/record/folders.js';
import {snapshotFoldersNamed} from '../../pipeline/snapshot/repository.js';
import {indexText} from './index-text.js';
import type {QueryNode, TextField} from './query.js';
import {dateKey} from './search-index.js';

export interface CompiledQuery {
  /** The FTS5 expression of the query's top-level text terms; undefined when it has none (or only negated ones). */
  match: string | undefined;
  /** Doc-id bounds [from, to) from the top-level dates (doc ids are date keys). */
  range: {from: bigint; to: bigint};
  /** Top-level terms an index can walk in date order (plan.ts chooses one to drive the query). */
  owner: string | undefined;
  folderIds: number[] | undefined;
  /** Lower case. */
  flag: string | undefined;
  /** Exclusive size bounds (bytes) from top-level larger:/smaller:. */
  size: {above: number; below: number} | undefined;
  /** A top-level deleted:yes. */
  gone: boolean;
  /** Every condition but `match` and `range`, AND-ed: SQL over `i` (search_item) and `d` (search_doc), only `?` placeholders. */
  where: string;
  params: unknown[];
}

export interface CompileOptions {
  /** Keep mail that is gone (expunged, moved away, its folder deleted). */
  includeDeleted: boolean;
}

const COLUMNS: Record<Exclude<TextField, 'any'>, string> = {
  from: 'from_header',
  to: 'to_header',
  cc: 'cc_header',
  subject: 'subject',
  body: 'body',
  attachment: 'attachments',
  messageid: 'message_id',
};

const DAY = 86_400_000;
/** Above every doc id (2^53). */
const NO_END = 2n ** 53n;

/** Compiles `node`; `db` resolves folder names to folders (read-only). */
export function compileQuery(db: Db, node: QueryNode, options: CompileOptions): CompiledQuery {
  const parts = node.kind === 'and' ? node.children : [node];
  const textParts = parts.filter((p) => toFts(p) !== undefined || (p.kind === 'not' && toFts(p.child) !== undefined));
  const drives = textParts.some((p) => p.kind !== 'not');
  const match = drives ? toFts(textParts.length === 1 ? (textParts[0] as QueryNode) : {kind: 'and', children: textParts}) : undefined;
  const compiler = new SqlCompiler(db);
  const compiled: CompiledQuery = {match, range: {from: 0n, to: NO_END}, owner: undefined, folderIds: undefined, flag: undefined, size: undefined, gone: false, where: '', params: compiler.params};
  const conditions: string[] = [];
  for (const part of parts) {
    if (drives && textParts.includes(part)) continue;
    if (part.kind === 'date') {
      const {from, to} = dateBounds(part);
      if (from > compiled.range.from) compiled.range.from = from;
      if (to < compiled.range.to) compiled.range.to = to;
      continue;
    }
    conditions.push(compiler.compile(part));
    if (part.kind === 'user') compiled.owner ??= part.login;
    else if (part.kind === 'folder') compiled.folderIds ??= compiler.lastFolderIds;
    else if (part.kind === 'flag') compiled.flag ??= part.flag.toLowerCase();
    else if (part.kind === 'deleted' && part.value) compiled.gone = true;
    else if (part.kind === 'size') {
      const size = compiled.size ?? {above: -1, below: Number.MAX_SAFE_INTEGER};
      if (part.op === 'larger') size.above = Math.max(size.above, part.bytes);
      else size.below = Math.min(size.below, part.bytes);
      compiled.size = size;
    }
  }
  if (!options.includeDeleted && !mentionsDeleted(node)) conditions.push('i.deleted = 0');
  compiled.where = conditions.length === 0 ? '1' : conditions.map((c) => `(${c})`).join(' AND ');
  return compiled;
}

/** A date term as doc-id bounds [from, to). */
function dateBounds(node: Extract<QueryNode, {kind: 'date'}>): {from: bigint; to: bigint} {
  // A duration is an instant: on: takes its UTC day.
  const instant = node.from === node.to;
  const from = node.op === 'on' && instant ? Math.floor(node.from / DAY) * DAY : node.from;
  const to = node.op === 'on' && instant ? from + DAY : node.to;
  if (node.op === 'before') return {from: 0n, to: BigInt(dateKey(from))};
  if (node.op === 'after') return {from: BigInt(dateKey(from)), to: NO_END};
  return {from: BigInt(dateKey(from)), to: BigInt(dateKey(to))};
}

/** The FTS5 expression of a subtree made only of text terms, or undefined (another term, or a NOT with nothing to subtract from). */
export function toFts(node: QueryNode): string | undefined {
  switch (node.kind) {
    case 'text': {
      const phrase = `"${indexText(node.value).replaceAll('"', '""')}"`;
      return node.field === 'any' ? phrase : `${COLUMNS[node.field]} : ${phrase}`;
    }
    case 'or': {
      const children = node.children.map(toFts);
      return children.every((c) => c !== undefined) ? `(${children.join(') OR (')})` : undefined;
    }
    case 'and': {
      const positives = node.children.filter((c) => c.kind !== 'not').map(toFts);
      const negatives = node.children.flatMap((c) => (c.kind === 'not' ? [toFts(c.child)] : []));
      if (positives.length === 0 || [...positives, ...negatives].some((c) => c === undefined)) return undefined;
      let expr = positives.length === 1 ? (positives[0] as string) : `(${positives.join(') AND (')})`;
      for (const n of negatives) expr = `(${expr}) NOT (${n as string})`;
      return expr;
    }
    default:
      return undefined;
  }
}

function mentionsDeleted(node: QueryNode): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return node.children.some(mentionsDeleted);
    case 'not':
      return mentionsDeleted(node.child);
    default:
      return node.kind === 'deleted';
  }
}

class SqlCompiler {
  readonly params: unknown[] = [];
  /** The folders the last folder: term named. */
  lastFolderIds: number[] = [];
  private readonly folderIds;
  private readonly folderIdsOf;

  constructor(private readonly db: Db) {
    this.folderIds = db.prepare<{name: string; path: string}, {id: number}>('SELECT id FROM search_folder WHERE name = @name OR path = @path OR mailbox_id = @name');
    this.folderIdsOf = db.prepare<[string], {id: number}>('SELECT id FROM search_folder WHERE mailbox_id = ?');
  }

  /** The search folders `name` names: as indexed, or any folder that ever had that name (record or snapshots). */
  private foldersNamed(name: string, path: string): number[] {
    const ids = new Set(this.folderIds.all({name, path}).map((r) => r.id));
    const mailboxIds = new Set([...new FolderReader(this.db).mailboxIdsNamed(name), ...snapshotFoldersNamed(this.db, name)]);
    for (const mailboxId of mailboxIds) for (const r of this.folderIdsOf.all(mailboxId)) ids.add(r.id);
    return [...ids].sort((a, b) => a - b);
  }

  compile(node: QueryNode): string {
    const fts = toFts(node);
    if (fts !== undefined) return this.bind('i.doc_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)', fts);
    switch (node.kind) {
      case 'and':
      case 'or':
        return node.children.map((c) => `(${this.compile(c)})`).join(node.kind === 'and' ? ' AND ' : ' OR ');
      case 'not':
        return `NOT (${this.compile(node.child)})`;
      case 'text':
        throw new Error('unreachable: a text term always has an FTS5 expression');
      case 'has':
        return 'd.has_attachment = 1';
      case 'date': {
        const {from, to} = dateBounds(node);
        return this.bind('i.doc_id >= ? AND i.doc_id < ?', from, to);
      }
      case 'size':
        return this.bind(node.op === 'larger' ? 'd.size > ?' : 'd.size < ?', node.bytes);
      case 'user':
        return this.bind('i.owner IS ?', node.login);
      case 'folder': {
        const path = node.name.toUpperCase() === 'INBOX' ? 'INBOX' : node.name;
        this.lastFolderIds = this.foldersNamed(node.name, path);
        // `+`: a filter, never the index SQLite probes once per listed folder for each row.
        return this.bind('+i.folder_id IN (SELECT value FROM json_each(?))', JSON.stringify(this.lastFolderIds));
      }
      case 'flag':
        return this.bind("instr(' ' || lower(i.flags) || ' ', ?) > 0", ` ${node.flag.toLowerCase()} `);
      case 'deleted':
        return this.bind('i.deleted = ?', node.value ? 1 : 0);
      case 'queueid': {
        // The index keeps the Message-ID as the message wrote it: with or without its angle brackets.
        const ids = new TransportReader(this.db).byQueueId(node.queueId).flatMap((e) => (e.messageId === null ? [] : [e.messageId, e.messageId.replace(/^<(.*)>$/, '$1')]));
        return this.bind('d.message_id IN (SELECT value FROM json_each(?))', JSON.stringify([...new Set(ids)]));
      }
    }
  }

  private bind(sql: string, ...values: unknown[]): string {
    this.params.push(...values);
    return sql;
  }
}
