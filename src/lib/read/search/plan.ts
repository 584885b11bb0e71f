/**
 * How a compiled query (compile.ts) is run: which index walks the candidates, newest first.
 *
 * Every driver but `size` walks in date order (doc ids are date keys), so SQLite stops as soon as the limit
 * is reached: fast when matches are many. When they are few, walking a dense index means reading most of
 * it; so when the query offers several drivers (text, user:, folder:, flag:, deleted:yes, larger:/smaller:),
 * each one's candidates are counted up to {@link COUNT_CAP} and the rarest drives. A driver that does not
 * walk in date order (a size range, several folders) drives only when it has fewer than that, and its
 * candidates are then sorted. When the text matches many and another term few, a small cost model decides
 * (the text's share estimated on the newest contents): walk the text, or walk the other term and check
 * each candidate's text (an FTS5 seek per candidate, or the list of the text's matches built once).
 *
 * The worst case left: two conditions that each match much of the archive and together almost nothing
 * (walking either one reads it all).
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {CompiledQuery} from './compile.js';
import {SearchIndex} from './search-index.js';

/** Candidates counted per driver, at most. */
export const COUNT_CAP = 5000;

export type DriverKind = 'fts' | 'owner' | 'folder' | 'flag' | 'gone' | 'size' | 'scan';

export interface QueryPlan {
  driver: DriverKind;
  sql: string;
  params: unknown[];
}

interface Driver {
  kind: DriverKind;
  /** Walks in date order (else its candidates are sorted). */
  ordered: boolean;
  /** The candidates' count, up to the cap: SQL selecting them and its parameters (before the cap). */
  count: [string, unknown[]];
  /** FROM and driver conditions of the query (after SELECT ... ), its parameters, and the ORDER BY. */
  from: string;
  params: unknown[];
  order: string;
}

// CROSS JOIN keeps the driver the outer loop: SQLite would otherwise reorder the join when a filter offers an index.
const JOIN_REST = 'CROSS JOIN search_doc d ON d.id = i.doc_id CROSS JOIN search_folder o ON o.id = i.folder_id';

/** Newest contents sampled to estimate how many the text matches. */
const SAMPLE_DOCS = 4096;
/** Rough costs per row in microseconds, measured on a 1,000,000-message index: walking the text's matches
 * with their places; checking one candidate's text (an FTS5 seek: ~10 once FTS5's segments are merged, ~60
 * before); listing the text's matches into a set. */
const WALK_US = 2.5;
const SEEK_US = 50;
const LIST_US = 0.3;

/** Chooses the driver and writes the query: `columns` of the rows, at most `limit`. */
export function planQuery(db: Db, q: CompiledQuery, columns: string, limit: number): QueryPlan {
  const drivers = candidates(q);
  const counted = drivers.length > 1 || drivers.some((d) => !d.ordered) ? drivers.map((d) => ({d, n: count(db, d)})) : drivers.map((d) => ({d, n: 0}));
  const usable = counted.filter(({d, n}) => d.ordered || n < COUNT_CAP);
  const text = usable.find(({d}) => d.kind === 'fts');
  const others = usable.filter(({d}) => d.kind !== 'fts').sort((a, b) => a.n - b.n);
  let driver = (text ?? others[0])?.d ?? scan(q);
  let textCheck: 'seek' | 'list' = 'seek';
  const other = others[0];
  if (text !== undefined && other !== undefined && text.n >= COUNT_CAP) {
    if (other.n < COUNT_CAP) {
      // The text matches many, another term few: which walk reads least? (Terms taken as independent.)
      const {docs, items} = new SearchIndex(db).sizes();
      const density = Math.max(sampleDensity(db, q.match as string), 1 / SAMPLE_DOCS);
      const matches = density * docs;
      const both = other.n * density;
      const walkText = Math.min(matches, both >= 1 ? (limit * matches) / both : matches) * WALK_US * (items / Math.max(docs, 1));
      const walkOther = Math.min(other.n, both >= 1 ? (limit * other.n) / both : other.n);
      const seek = walkOther * SEEK_US;
      const list = matches * LIST_US + walkOther;
      if (Math.min(seek, list) < walkText) {
        driver = other.d;
        textCheck = seek <= list ? 'seek' : 'list';
      }
    }
  }
  return write(driver, q, columns, limit, textCheck);
}

function write(driver: Driver, q: CompiledQuery, columns: string, limit: number, textCheck: 'seek' | 'list'): QueryPlan {
  // Text the driver does not walk: a seek per candidate, or the list of its matches built once.
  const text =
    q.match === undefined || driver.kind === 'fts'
      ? ''
      : textCheck === 'seek'
        ? 'EXISTS (SELECT 1 FROM search_fts WHERE search_fts MATCH ? AND rowid = i.doc_id) AND '
        : 'i.doc_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?) AND ';
  return {
    driver: driver.kind,
    sql: `SELECT ${columns} ${driver.from} AND ${text}(${q.where}) ORDER BY ${driver.order} LIMIT ?`,
    params: [...driver.params, ...(text === '' ? [] : [q.match]), ...q.params, limit],
  };
}

/** The driver's candidates, counted up to COUNT_CAP. */
function count(db: Db, d: Driver): number {
  const [sql, params] = d.count;
  return db.prepare<unknown[], {n: number}>(`SELECT count(*) AS n FROM (${sql} LIMIT ?)`).get(...params, COUNT_CAP)?.n ?? 0;
}

/** The share of the newest contents the text matches. */
function sampleDensity(db: Db, match: string): number {
  const oldest = db.prepare<[number], {id: number}>('SELECT id FROM search_doc ORDER BY id DESC LIMIT 1 OFFSET ?').get(SAMPLE_DOCS - 1)?.id;
  if (oldest === undefined) return 1;
  const n = db.prepare<[string, bigint], {n: number}>('SELECT count(*) AS n FROM search_fts WHERE search_fts MATCH ? AND rowid >= ?').get(match, BigInt(oldest))?.n ?? 0;
  return n / SAMPLE_DOCS;
}

function candidates(q: CompiledQuery): Driver[] {
  const {from, to} = q.range;
  const list: Driver[] = [];
  if (q.match !== undefined) {
    list.push({
      kind: 'fts',
      ordered: true,
      count: ['SELECT 1 FROM search_fts WHERE search_fts MATCH ? AND rowid >= ? AND rowid < ?', [q.match, from, to]],
      from: `FROM search_fts f CROSS JOIN search_item i ON i.doc_id = f.rowid ${JOIN_REST} WHERE search_fts MATCH ? AND f.rowid >= ? AND f.rowid < ?`,
      params: [q.match, from, to],
      order: 'f.rowid DESC',
    });
  }
  if (q.owner !== undefined) list.push(itemDriver('owner', true, 'search_item_by_owner', 'owner = ?', [q.owner], q));
  if (q.folderIds !== undefined) list.push(itemDriver('folder', q.folderIds.length <= 1, 'search_item_by_folder', 'folder_id IN (SELECT value FROM json_each(?))', [JSON.stringify(q.folderIds)], q));
  if (q.flag !== undefined) {
    list.push({
      kind: 'flag',
      ordered: true,
      count: ['SELECT 1 FROM search_flag WHERE flag = ? AND doc_id >= ? AND doc_id < ?', [q.flag, from, to]],
      from: `FROM search_flag g CROSS JOIN search_item i ON i.id = g.item_id ${JOIN_REST} WHERE g.flag = ? AND g.doc_id >= ? AND g.doc_id < ?`,
      params: [q.flag, from, to],
      order: 'g.doc_id DESC, g.item_id DESC',
    });
  }
  if (q.gone) list.push(itemDriver('gone', true, 'search_item_gone', 'deleted = 1', [], q));
  if (q.size !== undefined) {
    const {above, below} = q.size;
    list.push({
      kind: 'size',
      ordered: false,
      count: ['SELECT 1 FROM search_doc WHERE size > ? AND size < ?', [above, below]],
      from: 'FROM search_doc d INDEXED BY search_doc_by_size CROSS JOIN search_item i ON i.doc_id = d.id CROSS JOIN search_folder o ON o.id = i.folder_id WHERE d.size > ? AND d.size < ? AND d.id >= ? AND d.id < ?',
      params: [above, below, from, to],
      order: 'd.id DESC, i.id DESC',
    });
  }
  return list;
}

/** A driver walking one of search_item's indexes (`condition` on its leading columns, then doc_id). */
function itemDriver(kind: DriverKind, ordered: boolean, index: string, condition: string | undefined, params: unknown[], q: CompiledQuery): Driver {
  const {from, to} = q.range;
  return {
    kind,
    ordered,
    count: [`SELECT 1 FROM search_item INDEXED BY ${index} WHERE ${condition === undefined ? '' : `${condition} AND `}doc_id >= ? AND doc_id < ?`, [...params, from, to]],
    from: `FROM search_item i INDEXED BY ${index} ${JOIN_REST} WHERE ${condition === undefined ? '' : `i.${condition} AND `}i.doc_id >= ? AND i.doc_id < ?`,
    params: [...params, from, to],
    order: 'i.doc_id DESC, i.id DESC',
  };
}

/** Every place, newest first. */
function scan(q: CompiledQuery): Driver {
  return itemDriver('scan', true, 'search_item_by_doc', undefined, [], q);
}
