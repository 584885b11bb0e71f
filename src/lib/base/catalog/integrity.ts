/**
 * Checking the catalog itself (library side of `bonnie verify --integrity`): SQLite's own
 * `integrity_check` (every b-tree page, every index entry, NOT NULL and CHECK constraints), the foreign
 * keys, and bonnie's cross-checks that no constraint states (every archived message points to a blob the
 * index knows). Every problem names the table it is in, so that a user knows what is damaged: SQLite
 * reports pages and b-tree root pages ("Tree 55 page 131"), which are mapped to names through
 * `sqlite_schema` (and the `dbstat` table for a bare page number).
 *
 * Never writes. Reading a damaged page makes SQLite fail the statement with SQLITE_CORRUPT: what was read
 * before that is kept, and the failure itself is reported as a problem of the table being read.
 */
import {errorMessage} from '../errors.js';
import type {Catalog, Db} from './catalog.js';
import {isCorruption} from './sqlite-errors.js';

export type CatalogProblemKind =
  /** SQLite's integrity_check found damage (a page, an index entry, a constraint). */
  | 'Corrupt'
  /** A row refers to a row of another table that does not exist (PRAGMA foreign_key_check). */
  | 'ForeignKey'
  /** An archived message's link names a blob the archive index does not know: its bytes cannot be found. */
  | 'LinkWithoutBlob'
  /** A table could not be read at all (SQLITE_CORRUPT, SQLITE_NOTADB). */
  | 'Unreadable';

/** One thing the catalog check found. */
export interface CatalogProblem {
  kind: CatalogProblemKind;
  /** The table the problem is in; null when SQLite does not say and it could not be told (free pages). */
  table: string | null;
  /** The index, when the damage is in one (rebuilt by REINDEX without loss). */
  index: string | null;
  detail: string;
}

export interface CatalogCheckReport {
  pageSize: number;
  pages: number;
  tables: number;
  problems: CatalogProblem[];
  /** No problem found. */
  sound: boolean;
  /** What to do about the problems; null when sound. */
  hint: string | null;
}

/** How many lines integrity_check reports at most (its own default): enough to name every damaged table. */
const MAX_INTEGRITY_LINES = 100;

interface SchemaObject {
  type: 'table' | 'index';
  name: string;
  table: string;
  rootpage: number;
}

/** Checks the catalog's structure and bonnie's cross-references. Never writes; never throws on damage. */
/**
 * A reference between domains that SQLite's foreign keys do not hold (a link to a blob: blobs live in the
 * archive index, links in the snapshots and the collector's jobs). Each owner counts its own rows that
 * point nowhere, asking the other owner; the check only reports (src/lib/cli/reference-checks.ts lists them).
 */
export interface ReferenceCheck {
  /** The table whose rows refer. */
  table: string;
  /** Every table the count reads: skipped when one is damaged or missing. */
  reads: readonly string[];
  /** Rows of `table` whose reference points nowhere. */
  count(): number;
  /** What `n` such rows mean, for the report. */
  detail(n: number): string;
}

export function checkCatalog(catalog: Catalog, references: readonly ReferenceCheck[] = []): CatalogCheckReport {
  const {db, path} = catalog;
  const problems: CatalogProblem[] = [];
  const pageSize = db.pragma('page_size', {simple: true}) as number;
  const pages = db.pragma('page_count', {simple: true}) as number;
  let objects: SchemaObject[];
  try {
    objects = db.prepare<[], SchemaObject>("SELECT type, name, tbl_name AS 'table', rootpage FROM sqlite_schema WHERE type IN ('table', 'index') AND rootpage > 0").all();
  } catch (error) {
    if (!isCorruption(error)) throw error;
    problems.push({kind: 'Unreadable', table: 'sqlite_schema', index: null, detail: `the schema cannot be read: ${errorMessage(error)}`});
    return finish(path, pageSize, pages, 0, problems);
  }
  const byRoot = new Map(objects.map((o) => [o.rootpage, o]));
  const byName = new Map(objects.map((o) => [o.name, o]));

  const lines = integrityLines(db, undefined);
  if (!(lines.length === 1 && lines[0] === 'ok')) {
    const unplaced: string[] = [];
    for (const line of lines) {
      const where = placeLine(db, line, byRoot, byName);
      if (where === undefined) unplaced.push(line);
      else problems.push({kind: 'Corrupt', ...where, detail: line});
    }
    // Lines naming no tree (free pages, or a statement that failed before a row): ask table by table.
    if (unplaced.length > 0) {
      const named = new Set(problems.map((p) => p.table));
      for (const o of objects) {
        if (o.type !== 'table' || named.has(o.table)) continue;
        const own = integrityLines(db, o.name);
        if (own.length === 1 && own[0] === 'ok') continue;
        for (const line of own) problems.push({kind: 'Corrupt', table: o.table, index: indexIn(line, byName), detail: line});
        named.add(o.table);
      }
      // What still names no table is reported as it is (e.g. "Page 40 is never used").
      const tableLines = new Set(problems.map((p) => p.detail));
      for (const line of unplaced) if (!tableLines.has(line)) problems.push({kind: 'Corrupt', table: null, index: null, detail: line});
    }
  }
  crossCheck(db, problems, byName, references);
  return finish(path, pageSize, pages, objects.filter((o) => o.type === 'table').length, problems);
}

/**
 * integrity_check's lines, for the whole catalog or one table. SQLite returns its findings as rows, then
 * fails the statement with SQLITE_CORRUPT: the rows read before the failure are the report.
 */
function integrityLines(db: Db, table: string | undefined): string[] {
  const lines: string[] = [];
  // The table's name is a bound argument of the pragma's table-valued function, never spliced into SQL.
  const sql = table === undefined ? 'SELECT integrity_check FROM pragma_integrity_check' : 'SELECT integrity_check FROM pragma_integrity_check(?)';
  try {
    const rows = db.prepare<unknown[], {integrity_check: string}>(sql).iterate(...(table === undefined ? [] : [table]));
    for (const row of rows) {
      for (const line of row.integrity_check.split('\n')) {
        if (line.startsWith('*** in database')) continue;
        lines.push(line);
        if (lines.length >= MAX_INTEGRITY_LINES) return lines;
      }
    }
  } catch (error) {
    if (!isCorruption(error)) throw error;
    if (lines.length === 0) lines.push(`integrity_check stopped: ${errorMessage(error)}`);
  }
  return lines;
}

/** The table (and index) an integrity_check line is about, or undefined when the line does not say. */
function placeLine(db: Db, line: string, byRoot: Map<number, SchemaObject>, byName: Map<string, SchemaObject>): {table: string; index: string | null} | undefined {
  const tree = /\bTree (\d+)\b/.exec(line);
  if (tree !== null) {
    const o = byRoot.get(Number(tree[1]));
    if (o !== undefined) return {table: o.table, index: o.type === 'index' ? o.name : null};
  }
  const index = indexIn(line, byName);
  if (index !== null) return {table: (byName.get(index) as SchemaObject).table, index};
  // "NULL value in t.c", "CHECK constraint failed in t", "non-unique entry in index ..."
  const column = /\b(?:value in|failed in|in table) ([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
  if (column !== null && byName.has(column[1] as string)) return {table: column[1] as string, index: null};
  const page = /\b[Pp]age (\d+)\b/.exec(line);
  if (page !== null) {
    const owner = pageOwner(db, Number(page[1]));
    const o = owner === undefined ? undefined : byName.get(owner);
    if (o !== undefined) return {table: o.table, index: o.type === 'index' ? o.name : null};
  }
  return undefined;
}

function indexIn(line: string, byName: Map<string, SchemaObject>): string | null {
  const m = /\bindex ([A-Za-z_][A-Za-z0-9_]*)/.exec(line);
  return m !== null && byName.get(m[1] as string)?.type === 'index' ? (m[1] as string) : null;
}

/** Which table or index owns page `page`, from the dbstat table (itself unreadable on some damage). */
function pageOwner(db: Db, page: number): string | undefined {
  try {
    return db.prepare<[number], {name: string}>('SELECT name FROM dbstat WHERE pageno = ?').get(page)?.name;
  } catch {
    // dbstat walks the b-trees too: on the damage that hides a page's owner it fails as well.
    return undefined;
  }
}

/** Foreign keys and bonnie's own references, each query guarded: a damaged table makes it a problem. */
function crossCheck(db: Db, problems: CatalogProblem[], byName: Map<string, SchemaObject>, references: readonly ReferenceCheck[]): void {
  const damaged = new Set(problems.map((p) => p.table));
  const guarded = (tables: string[], run: () => void) => {
    // A check over a table already reported damaged would only fail again, or count garbage.
    if (tables.some((t) => damaged.has(t) || !byName.has(t))) return;
    try {
      run();
    } catch (error) {
      if (!isCorruption(error)) throw error;
      problems.push({kind: 'Unreadable', table: tables.join(', '), index: null, detail: `cannot be read to the end: ${errorMessage(error)}`});
    }
  };
  const fkTables = [...byName.values()].filter((o) => o.type === 'table').map((o) => o.name).filter((t) => !damaged.has(t));
  for (const table of fkTables) {
    guarded([table], () => {
      const missing = new Map<string, number>();
      for (const row of db.prepare<[string], {parent: string}>('SELECT parent FROM pragma_foreign_key_check(?)').iterate(table)) missing.set(row.parent, (missing.get(row.parent) ?? 0) + 1);
      for (const [parent, count] of missing) problems.push({kind: 'ForeignKey', table, index: null, detail: `${count} row(s) refer to ${parent} rows that do not exist`});
    });
  }
  for (const reference of references) {
    guarded([...reference.reads], () => {
      const n = reference.count();
      if (n > 0) problems.push({kind: 'LinkWithoutBlob', table: reference.table, index: null, detail: reference.detail(n)});
    });
  }
}

function finish(path: string, pageSize: number, pages: number, tables: number, problems: CatalogProblem[]): CatalogCheckReport {
  const sound = problems.length === 0;
  return {pageSize, pages, tables, problems, sound, hint: sound ? null : catalogHint(path, problems)};
}

/**
 * Runs another check (the evidence chain, the segments) after {@link checkCatalog}: when it meets a
 * damaged page, only that check stops, reported in `report` as a problem; null is returned then.
 */
export function afterCatalogCheck<T>(report: CatalogCheckReport, catalog: Catalog, what: string, check: () => T): T | null {
  try {
    return check();
  } catch (error) {
    if (!isCorruption(error)) throw error;
    report.problems.push({kind: 'Unreadable', table: null, index: null, detail: `${what} stopped on a damaged page: ${errorMessage(error)}`});
    report.sound = false;
    report.hint = catalogHint(catalog.path, report.problems);
    return null;
  }
}

/** What to do: an index alone is rebuilt from its table; damage to a table needs the backup. */
function catalogHint(path: string, problems: readonly CatalogProblem[]): string {
  const corrupt = problems.filter((p) => p.kind === 'Corrupt' || p.kind === 'Unreadable');
  const indexes = [...new Set(corrupt.map((p) => p.index))];
  if (corrupt.length > 0 && indexes.every((i) => i !== null)) {
    return `Only indexes are damaged; stop bonnie's services and rebuild them: sqlite3 ${path} "REINDEX ${indexes.join('; REINDEX ')}". Then run "bonnie verify --integrity" again.`;
  }
  if (corrupt.length > 0) {
    return `Stop bonnie's services and restore the catalog from its backup; without one, salvage what SQLite can read: sqlite3 ${path} ".recover" | sqlite3 NEW.db, then point --catalog at it and run "bonnie verify" again.`;
  }
  return 'The catalog\'s rows contradict each other (they were edited, or restored from backups taken at different times): restore the catalog from one backup, or find what changed with "bonnie verify --events".';
}
