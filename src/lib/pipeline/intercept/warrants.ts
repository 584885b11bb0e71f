/**
 * Warrants (intercepts) and their log: the one module that names intercept, intercept_target and
 * intercept_log. A change and its log entry commit together. The log is a hash chain
 * (hash(n) = SHA-256(hash(n-1) || `<seq>\n<at>\n<actor>\n<entry>`), hash(0) = 32 zero bytes): editing,
 * removing or inserting an entry breaks every hash from there on, and {@link Warrants.verifyLog} names the first.
 */
import {createHash} from 'node:crypto';
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';

/** One target as given, and whom the directory resolved it to when the warrant was added. */
export interface InterceptTarget {
  given: string;
  /** The directory's id for the person (`login:<login>` without LDAP). */
  personId: string;
  login: string;
  /** Every address the directory knows for the person (none without LDAP). */
  addresses: string[];
}

/** Where records go: HI2 and HI3 over TCP, or a folder. */
export type Delivery = {hi2: string; hi3: string} | {folder: string};

/** What a warrant says, as given and as stored. */
interface Warrant {
  liid: string;
  agency: string;
  authCountry: string;
  deliveryCountry: string;
  /** ms since the epoch */
  start: number;
  /** ms since the epoch, after start */
  end: number;
  targets: InterceptTarget[];
}

export interface NewIntercept extends Warrant {
  delivery: Delivery;
}

export interface Intercept extends Warrant {
  hi2: string | null;
  hi3: string | null;
  folder: string | null;
  createdAt: number;
  createdBy: string;
  endedAt: number | null;
  endedBy: string | null;
  endReason: string | null;
  /** active: between start and end and not ended; pending: before start; over: past its end or ended. */
  state: 'pending' | 'active' | 'over';
}

/** The result of checking the log's chain. */
export interface InterceptLogReport {
  /** Entries whose hash was checked and found right. */
  checked: number;
  /** The first entry that does not follow, or null. */
  firstProblem: {seq: number; problem: 'hash-mismatch' | 'out-of-order'; expected?: string; recorded?: string} | null;
}

type InterceptRow = {id: number; liid: string; agency: string; auth_country: string; delivery_country: string; start_at: number; end_at: number; hi2: string | null; hi3: string | null; folder: string | null; created_at: number; created_by: string; ended_at: number | null; ended_by: string | null; end_reason: string | null};
type TargetRow = {given: string; person_id: string; login: string; addresses: string};
type LogRow = {seq: number; at: number; actor: string; entry: string; hash: Buffer};

const GENESIS: Buffer = Buffer.alloc(32);
const VERIFY_PAGE = 10_000;

export class Warrants {
  private readonly statements;

  constructor(private readonly db: Db) {
    this.statements = {
      byLiid: db.prepare<[string], InterceptRow>('SELECT * FROM intercept WHERE liid = ?'),
      all: db.prepare<[], InterceptRow>('SELECT * FROM intercept ORDER BY id'),
      insert: db.prepare<[string, string, string, string, number, number, string | null, string | null, string | null, number, string]>(
        'INSERT INTO intercept (liid, agency, auth_country, delivery_country, start_at, end_at, hi2, hi3, folder, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertTarget: db.prepare<[number | bigint, string, string, string, string]>('INSERT INTO intercept_target (intercept_id, given, person_id, login, addresses) VALUES (?, ?, ?, ?, ?)'),
      targets: db.prepare<[number], TargetRow>('SELECT given, person_id, login, addresses FROM intercept_target WHERE intercept_id = ? ORDER BY rowid'),
      end: db.prepare<[number, string, string, number]>('UPDATE intercept SET ended_at = ?, ended_by = ?, end_reason = ? WHERE id = ?'),
      lastLog: db.prepare<[], {seq: number; hash: Buffer}>('SELECT seq, hash FROM intercept_log ORDER BY seq DESC LIMIT 1'),
      appendLog: db.prepare<[number, number, string, string, Buffer]>('INSERT INTO intercept_log (seq, at, actor, entry, hash) VALUES (?, ?, ?, ?, ?)'),
      logPage: db.prepare<[number, number], LogRow>('SELECT seq, at, actor, entry, hash FROM intercept_log WHERE seq > ? ORDER BY seq LIMIT ?'),
    };
  }

  /** Adds a warrant and logs it. Throws InterceptExists when the LIID was ever used. */
  add(intercept: NewIntercept, actor: string, now: number): Intercept {
    return this.db.transaction(() => {
      if (this.statements.byLiid.get(intercept.liid) !== undefined) {
        throw new BonnieError('InterceptExists', `an intercept with LIID ${intercept.liid} exists already (active or ended)`, {
          hint: 'A LIID is used once: ask the agency for the new LIID, or see "bonnie intercept list".',
        });
      }
      const d = intercept.delivery;
      const hi2 = 'hi2' in d ? d.hi2 : null;
      const hi3 = 'hi3' in d ? d.hi3 : null;
      const folder = 'folder' in d ? d.folder : null;
      const {lastInsertRowid} = this.statements.insert.run(intercept.liid, intercept.agency, intercept.authCountry, intercept.deliveryCountry, intercept.start, intercept.end, hi2, hi3, folder, now, actor);
      for (const t of intercept.targets) this.statements.insertTarget.run(lastInsertRowid, t.given, t.personId, t.login, JSON.stringify(t.addresses));
      this.log(now, actor, {action: 'add', ...intercept});
      return this.get(intercept.liid, now) as Intercept;
    }).immediate();
  }

  /** Ends a warrant before its end time and logs it. Throws InterceptUnknown when no such warrant is running. */
  end(liid: string, reason: string, actor: string, now: number): Intercept {
    return this.db.transaction(() => {
      const row = this.statements.byLiid.get(liid);
      if (row === undefined || row.ended_at !== null || row.end_at <= now) {
        throw new BonnieError('InterceptUnknown', row === undefined ? `no intercept with LIID ${liid}` : `the intercept ${liid} is over already`, {
          hint: 'See "bonnie intercept list" for the LIIDs in force.',
        });
      }
      this.statements.end.run(now, actor, reason, row.id);
      this.log(now, actor, {action: 'end', liid, reason});
      return this.get(liid, now) as Intercept;
    }).immediate();
  }

  /** One warrant, or undefined. */
  get(liid: string, now: number): Intercept | undefined {
    const row = this.statements.byLiid.get(liid);
    return row === undefined ? undefined : this.map(row, now);
  }

  /** The store's id of a warrant (what the handover queue is keyed by), or undefined. */
  idOf(liid: string): number | undefined {
    return this.statements.byLiid.get(liid)?.id;
  }

  /** Every warrant, oldest first (ended ones included: `state` tells). */
  list(now: number): Intercept[] {
    return this.statements.all.all().map((row) => this.map(row, now));
  }

  /** Recomputes the log's chain; reports the first entry that does not follow. Read-only. */
  verifyLog(): InterceptLogReport {
    let previous: Buffer = GENESIS;
    let checked = 0;
    for (let rows = this.statements.logPage.all(0, VERIFY_PAGE); rows.length > 0; rows = this.statements.logPage.all(checked, VERIFY_PAGE)) {
      for (const row of rows) {
        if (row.seq !== checked + 1) return {checked, firstProblem: {seq: row.seq, problem: 'out-of-order'}};
        const expected = linkHash(previous, row.seq, row.at, row.actor, row.entry);
        if (!expected.equals(row.hash)) return {checked, firstProblem: {seq: row.seq, problem: 'hash-mismatch', expected: expected.toString('hex'), recorded: row.hash.toString('hex')}};
        previous = row.hash;
        checked++;
      }
    }
    return {checked, firstProblem: null};
  }

  private log(at: number, actor: string, entry: object): void {
    const last = this.statements.lastLog.get();
    const seq = (last?.seq ?? 0) + 1;
    const text = JSON.stringify(entry);
    this.statements.appendLog.run(seq, at, actor, text, linkHash(last?.hash ?? GENESIS, seq, at, actor, text));
  }

  private map(row: InterceptRow, now: number): Intercept {
    const targets = this.statements.targets.all(row.id).map((t) => ({given: t.given, personId: t.person_id, login: t.login, addresses: JSON.parse(t.addresses) as string[]}));
    const state = row.ended_at !== null || now >= row.end_at ? 'over' : now < row.start_at ? 'pending' : 'active';
    return {
      liid: row.liid, agency: row.agency, authCountry: row.auth_country, deliveryCountry: row.delivery_country, start: row.start_at, end: row.end_at,
      hi2: row.hi2, hi3: row.hi3, folder: row.folder, targets, createdAt: row.created_at, createdBy: row.created_by,
      endedAt: row.ended_at, endedBy: row.ended_by, endReason: row.end_reason, state,
    };
  }
}

function linkHash(previous: Buffer, seq: number, at: number, actor: string, entry: string): Buffer {
  return createHash('sha256').update(previous).update(`${seq}\n${at}\n${actor}\n${entry}`).digest();
}
