/**
 * Reads and writes the snapshot tables (schema.ts). Statements prepared once; every multi-row write in
 * one transaction.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {FolderState} from './source.js';

/** The last snapshot of a folder, as much as deciding "unchanged" needs. */
export interface SnapshotSummary {
  id: number;
  uidValidity: number;
  highestModseq: bigint;
  messages: number;
  takenAt: number;
  /** The folder's name then: a rename alone changes no modseq, but is a new state. */
  name: string;
}

/** One message's link to be written. */
export interface LinkRow {
  uid: number;
  sha256: Buffer | null;
  reason: string | null;
}

/** How a link names a pruned message: this prefix, then the blob's SHA-256 in hex. */
export const PRUNED_REASON = 'pruned ';

/** The blob a link's reason names as pruned, or undefined when it is another reason. */
export function prunedBlob(reason: string | null): Buffer | undefined {
  return reason !== null && reason.startsWith(PRUNED_REASON) ? Buffer.from(reason.slice(PRUNED_REASON.length), 'hex') : undefined;
}

export class SnapshotRepository {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      latest: db.prepare<[string], {id: number; uid_validity: number; highest_modseq: bigint; messages: number; taken_at: number; mailbox_name: string}>(
        'SELECT id, uid_validity, highest_modseq, messages, taken_at, mailbox_name FROM snapshot WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1',
      ),
      links: db.prepare<[string, number], {uid: number; sha256: Buffer}>('SELECT uid, sha256 FROM archived_message WHERE mailbox_id = ? AND uid_validity = ?'),
      insertSnapshot: db.prepare<[string, string, number, bigint, string, number, number, number, string | null]>(
        'INSERT INTO snapshot (mailbox_id, mailbox_name, uid_validity, highest_modseq, source, taken_at, messages, bytes, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertMessage: db.prepare<[number | bigint, number, string, number, number, bigint, number]>(
        'INSERT INTO snapshot_message (snapshot_id, uid, flags, internal_date, size, modseq, expunged) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      link: db.prepare<[string, number, number, Buffer | null, string | null, string, number]>(
        `INSERT INTO message_link (mailbox_id, uid_validity, uid, sha256, reason, source, linked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (mailbox_id, uid_validity, uid) DO UPDATE SET sha256 = excluded.sha256, reason = excluded.reason, source = excluded.source, linked_at = excluded.linked_at
         WHERE message_link.sha256 IS NULL OR excluded.sha256 IS NOT NULL`,
      ),
    };
    this.s.latest.safeIntegers(true);
  }

  latest(mailboxId: string): SnapshotSummary | undefined {
    const row = this.s.latest.get(mailboxId);
    if (row === undefined) return undefined;
    return {id: Number(row.id), uidValidity: Number(row.uid_validity), highestModseq: BigInt(row.highest_modseq), messages: Number(row.messages), takenAt: Number(row.taken_at), name: row.mailbox_name};
  }

  /** The blobs already linked to this folder's messages (by the collector or an earlier archive run), by UID. */
  links(mailboxId: string, uidValidity: number): Map<number, Buffer> {
    const map = new Map<number, Buffer>();
    for (const row of this.s.links.iterate(mailboxId, uidValidity)) map.set(row.uid, row.sha256);
    return map;
  }

  /** Links messages to their blobs (or records why not); a stored link is never replaced by a failure. */
  link(mailboxId: string, uidValidity: number, source: 'spool' | 'imap', rows: readonly LinkRow[], now: number): void {
    this.db.transaction(() => {
      for (const r of rows) this.s.link.run(mailboxId, uidValidity, r.uid, r.sha256, r.reason, source, now);
    })();
  }

  /**
   * A prune removed these blobs: the archive's links to them keep their place (folder, UID) but name the
   * message as pruned (`reason` = `pruned <sha256 hex>`, the key of its tombstone) instead of a blob. Call
   * in the prune's transaction. Returns how many links changed.
   */
  markPruned(sha256s: readonly Buffer[]): number {
    const mark = this.db.prepare<[string, Buffer]>('UPDATE message_link SET sha256 = NULL, reason = ? WHERE sha256 = ?');
    let n = 0;
    for (const sha256 of sha256s) n += mark.run(`${PRUNED_REASON}${sha256.toString('hex')}`, sha256).changes;
    return n;
  }

  /** UIDs of this folder whose archived message was pruned: `bonnie archive` does not store them again. */
  prunedUids(mailboxId: string, uidValidity: number): Set<number> {
    const rows = this.db
      .prepare<[string, number, string], {uid: number}>("SELECT uid FROM message_link WHERE mailbox_id = ? AND uid_validity = ? AND sha256 IS NULL AND reason GLOB ? || '*'")
      .all(mailboxId, uidValidity, PRUNED_REASON);
    return new Set(rows.map((r) => r.uid));
  }

  /** Records a folder's state; returns the snapshot id. */
  record(state: FolderState, source: 'spool' | 'imap', now: number): number {
    return this.db.transaction(() => {
      const bytes = state.messages.reduce((sum, m) => sum + (m.expunged ? 0 : m.size), 0);
      const metadata = state.metadata === undefined ? null : JSON.stringify(state.metadata);
      const id = this.s.insertSnapshot.run(state.mailboxId, state.name, state.uidValidity, state.highestModseq, source, now, state.messages.length, bytes, metadata).lastInsertRowid;
      for (const m of state.messages) this.s.insertMessage.run(id, m.uid, m.flags.join(' '), m.internalDate, m.size, m.modseq, m.expunged ? 1 : 0);
      return Number(id);
    })();
  }
}

/** True when a folder has not changed since its last snapshot (same name, UIDVALIDITY, HIGHESTMODSEQ and number of messages). */
export function unchangedSince(last: SnapshotSummary | undefined, state: FolderState): boolean {
  return last !== undefined && last.name === state.name && last.uidValidity === state.uidValidity && last.highestModseq === state.highestModseq && last.messages === state.messages.length;
}

/** What `bonnie status` shows of snapshots: folders snapshotted, snapshots, when the last was taken (ms, or null). */
export function snapshotCounts(db: Db): {folders: number; total: number; lastTakenAt: number | null} {
  const row = db.prepare<[], {folders: number; total: number; last: number | null}>('SELECT count(DISTINCT mailbox_id) AS folders, count(*) AS total, max(taken_at) AS last FROM snapshot').get();
  return {folders: row?.folders ?? 0, total: row?.total ?? 0, lastTakenAt: row?.last ?? null};
}

/** The folder of the newest snapshot taken under the name `name` (at or before `takenBy`, ms, when given). */
export function snapshotFolderNamed(db: Db, name: string, takenBy?: number): string | undefined {
  return takenBy === undefined
    ? db.prepare<[string], {mailbox_id: string}>('SELECT mailbox_id FROM snapshot WHERE mailbox_name = ? ORDER BY id DESC LIMIT 1').get(name)?.mailbox_id
    : db.prepare<[string, number], {mailbox_id: string}>('SELECT mailbox_id FROM snapshot WHERE mailbox_name = ? AND taken_at <= ? ORDER BY taken_at DESC LIMIT 1').get(name, takenBy)?.mailbox_id;
}

/** The folders snapshotted under the name `name`. */
export function snapshotFoldersNamed(db: Db, name: string): string[] {
  return db.prepare<[string], {mailbox_id: string}>('SELECT DISTINCT mailbox_id FROM snapshot WHERE mailbox_name = ?').all(name).map((row) => row.mailbox_id);
}

/** Every folder ever snapshotted, under each name it had in a snapshot. */
export function snapshottedFolders(db: Db): Array<{mailboxId: string; name: string}> {
  return db
    .prepare<[], {mailbox_id: string; mailbox_name: string}>('SELECT DISTINCT mailbox_id, mailbox_name FROM snapshot')
    .all()
    .map((row) => ({mailboxId: row.mailbox_id, name: row.mailbox_name}));
}

/** Whether any snapshot of mailbox `mailboxId` was taken. */
export function hasSnapshot(db: Db, mailboxId: string): boolean {
  return db.prepare<[string], {n: number}>('SELECT 1 AS n FROM snapshot WHERE mailbox_id = ? LIMIT 1').get(mailboxId) !== undefined;
}

/** When the newest snapshot that saw UID `uid` in mailbox `mailboxId` (not expunged) was taken, ms. */
export function lastSnapshotHolding(db: Db, mailboxId: string, uid: number): number | undefined {
  return db
    .prepare<[string, number], {taken_at: number}>(
      'SELECT s.taken_at FROM snapshot s JOIN snapshot_message m ON m.snapshot_id = s.id WHERE s.mailbox_id = ? AND m.uid = ? AND m.expunged = 0 ORDER BY s.taken_at DESC LIMIT 1',
    )
    .get(mailboxId, uid)?.taken_at;
}

/** A snapshot as the read models need it: which folder state, under which name and UIDVALIDITY, when (ms). */
export interface SnapshotRef {
  id: number;
  name: string;
  uidValidity: number;
  takenAt: number;
}

/** One message of a snapshot. `flags` are space-separated, as stored. */
export interface SnapshotMessageRow {
  uid: number;
  flags: string;
  internalDate: number;
  size: number;
  expunged: boolean;
}

/** A place (folder, UIDVALIDITY, UID) whose bytes are archived, and who linked it (`collector`, `spool`, `imap`). */
export interface LinkedPlace {
  mailboxId: string;
  uidValidity: number;
  uid: number;
  sha256: Buffer;
  source: string;
}

type MessageRowSql = {uid: number; flags: string; internal_date: number; size: number; expunged: number};
const toMessage = (r: MessageRowSql): SnapshotMessageRow => ({uid: r.uid, flags: r.flags, internalDate: r.internal_date, size: r.size, expunged: r.expunged === 1});

/**
 * The snapshots and links read back (restore, search, groupware): THE "latest snapshot of a folder at or
 * before T" and the messages in it, a UID across snapshots, and the archived places of a blob
 * (`archived_message`: the collector's done jobs and the links). Statements prepared once per reader.
 */
export class SnapshotReader {
  private readonly s;

  constructor(private readonly db: Db) {
    const snapshot = 'SELECT id, mailbox_name, uid_validity, taken_at FROM snapshot';
    type SnapshotSql = {id: number; mailbox_name: string; uid_validity: number; taken_at: number};
    type PlaceSql = {mailbox_id: string; uid_validity: number; uid: number; sha256: Buffer; source: string};
    this.s = {
      // Snapshots are recorded in the order they are taken: the newest row is the latest (the index's order).
      latest: db.prepare<[string], SnapshotSql>(`${snapshot} WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1`),
      latestAt: db.prepare<[string, number], SnapshotSql>(`${snapshot} WHERE mailbox_id = ? AND taken_at <= ? ORDER BY taken_at DESC, id DESC LIMIT 1`),
      since: db.prepare<[number, number], {mailbox_id: string; uid_validity: number}>('SELECT DISTINCT mailbox_id, uid_validity FROM snapshot WHERE id > ? AND id <= ?'),
      lastId: db.prepare<[], {n: number | null}>('SELECT max(id) AS n FROM snapshot'),
      messages: db.prepare<[number], MessageRowSql>('SELECT uid, flags, internal_date, size, expunged FROM snapshot_message WHERE snapshot_id = ? AND expunged = 0'),
      message: db.prepare<[number, number], MessageRowSql>('SELECT uid, flags, internal_date, size, expunged FROM snapshot_message WHERE snapshot_id = ? AND uid = ?'),
      maxUid: db.prepare<[number], {uid: number | null}>('SELECT max(uid) AS uid FROM snapshot_message WHERE snapshot_id = ?'),
      latestWithUid: db.prepare<[number, string, number], MessageRowSql & {taken_at: number}>(
        `SELECT s.taken_at, m.uid, m.flags, m.internal_date, m.size, m.expunged FROM snapshot s JOIN snapshot_message m ON m.snapshot_id = s.id AND m.uid = ?
         WHERE s.mailbox_id = ? AND s.uid_validity = ? ORDER BY s.id DESC LIMIT 1`,
      ),
      uidHistory: db.prepare<{mailbox: string; validity: number; uid: number}, {taken_at: number; mailbox_name: string; internal_date: number | null; expunged: number | null}>(
        `SELECT s.taken_at, s.mailbox_name, m.internal_date, m.expunged FROM snapshot s LEFT JOIN snapshot_message m ON m.snapshot_id = s.id AND m.uid = @uid
         WHERE s.mailbox_id = @mailbox AND s.uid_validity = @validity ORDER BY s.id`,
      ),
      uidFacts: db.prepare<[string, number], {uid: number; internal_date: number; size: number}>(
        'SELECT m.uid, m.internal_date, m.size FROM snapshot_message m JOIN snapshot s ON s.id = m.snapshot_id WHERE s.mailbox_id = ? AND s.uid_validity = ?',
      ),
      links: db.prepare<[string, number], {uid: number; sha256: Buffer}>('SELECT uid, sha256 FROM archived_message WHERE mailbox_id = ? AND uid_validity = ?'),
      blobAt: db.prepare<[string, number, number], {sha256: Buffer}>('SELECT sha256 FROM archived_message WHERE mailbox_id = ? AND uid_validity = ? AND uid = ? LIMIT 1'),
      placesOf: db.prepare<[Buffer], PlaceSql>('SELECT mailbox_id, uid_validity, uid, sha256, source FROM archived_message WHERE sha256 = ? ORDER BY mailbox_id, uid_validity, uid'),
      linkedByArchive: db.prepare<[string, number], PlaceSql>("SELECT mailbox_id, uid_validity, uid, sha256, source FROM message_link WHERE mailbox_id = ? AND uid_validity = ? AND sha256 IS NOT NULL"),
    };
  }

  /** The folder's latest snapshot taken at or before `at` (ms), or its newest without `at`. */
  latest(mailboxId: string, at?: number): SnapshotRef | undefined {
    const row = at === undefined ? this.s.latest.get(mailboxId) : this.s.latestAt.get(mailboxId, at);
    return row === undefined ? undefined : {id: row.id, name: row.mailbox_name, uidValidity: row.uid_validity, takenAt: row.taken_at};
  }

  /** The folders (and UIDVALIDITY) of the snapshots with ids in (`afterId`, `upTo`]. */
  foldersSince(afterId: number, upTo: number): Array<{mailboxId: string; uidValidity: number}> {
    return this.s.since.all(afterId, upTo).map((r) => ({mailboxId: r.mailbox_id, uidValidity: r.uid_validity}));
  }

  /** The newest snapshot's id; 0 when there is none. */
  lastId(): number {
    return this.s.lastId.get()?.n ?? 0;
  }

  /** The messages a snapshot saw in its folder (expunged ones left out). */
  messages(snapshotId: number): SnapshotMessageRow[] {
    return this.s.messages.all(snapshotId).map(toMessage);
  }

  /** UID `uid` in a snapshot, expunged or not. */
  message(snapshotId: number, uid: number): SnapshotMessageRow | undefined {
    const row = this.s.message.get(snapshotId, uid);
    return row === undefined ? undefined : toMessage(row);
  }

  /** The highest UID a snapshot holds (expunged included); 0 for an empty one. */
  maxUid(snapshotId: number): number {
    return this.s.maxUid.get(snapshotId)?.uid ?? 0;
  }

  /** UID `uid` in the newest snapshot of the folder (under `uidValidity`) that holds it, with when that was taken. */
  latestWithUid(mailboxId: string, uidValidity: number, uid: number): (SnapshotMessageRow & {takenAt: number}) | undefined {
    const row = this.s.latestWithUid.get(uid, mailboxId, uidValidity);
    return row === undefined ? undefined : {...toMessage(row), takenAt: row.taken_at};
  }

  /** Every snapshot of the folder under `uidValidity`, oldest first, each with UID `uid` in it (nulls when absent). */
  uidHistory(mailboxId: string, uidValidity: number, uid: number): Array<{takenAt: number; name: string; internalDate: number | null; expunged: boolean | null}> {
    return this.s.uidHistory
      .all({mailbox: mailboxId, validity: uidValidity, uid})
      .map((r) => ({takenAt: r.taken_at, name: r.mailbox_name, internalDate: r.internal_date, expunged: r.expunged === null ? null : r.expunged === 1}));
  }

  /** Internal date and size of each UID in any snapshot of the folder under `uidValidity` (they never change for a UID). */
  uidFacts(mailboxId: string, uidValidity: number): Map<number, {internalDate: number; size: number}> {
    const map = new Map<number, {internalDate: number; size: number}>();
    for (const row of this.s.uidFacts.iterate(mailboxId, uidValidity)) map.set(row.uid, {internalDate: row.internal_date, size: row.size});
    return map;
  }

  /** The blobs linked to the folder's messages (by the collector or `bonnie archive`), by UID. */
  links(mailboxId: string, uidValidity: number): Map<number, Buffer> {
    const map = new Map<number, Buffer>();
    for (const row of this.s.links.iterate(mailboxId, uidValidity)) map.set(row.uid, row.sha256);
    return map;
  }

  /** The places of this folder whose archived message a prune removed, by UID: the blob each was (its tombstone's key). */
  prunedLinks(mailboxId: string, uidValidity: number): Map<number, Buffer> {
    const rows = this.db
      .prepare<[string, number, string], {uid: number; reason: string}>("SELECT uid, reason FROM message_link WHERE mailbox_id = ? AND uid_validity = ? AND sha256 IS NULL AND reason GLOB ? || '*'")
      .all(mailboxId, uidValidity, PRUNED_REASON);
    return new Map(rows.map((r) => [r.uid, prunedBlob(r.reason) as Buffer]));
  }

  /** The blob linked to one place, if any. */
  blobAt(mailboxId: string, uidValidity: number, uid: number): Buffer | undefined {
    return this.s.blobAt.get(mailboxId, uidValidity, uid)?.sha256;
  }

  /** The places whose bytes are blob `sha256`, by folder, UIDVALIDITY and UID (a place linked twice is listed twice). */
  placesOf(sha256: Buffer): LinkedPlace[] {
    return this.s.placesOf.all(sha256).map(toPlace);
  }

  /** The folder's places `bonnie archive` linked to a blob (not the collector's). */
  linkedByArchive(mailboxId: string, uidValidity: number): LinkedPlace[] {
    return this.s.linkedByArchive.all(mailboxId, uidValidity).map(toPlace);
  }
}

function toPlace(r: {mailbox_id: string; uid_validity: number; uid: number; sha256: Buffer; source: string}): LinkedPlace {
  return {mailboxId: r.mailbox_id, uidValidity: r.uid_validity, uid: r.uid, sha256: r.sha256, source: r.source};
}

/**
 * Calls `each` with every blob `bonnie archive`'s links point to and how many links point to it, in blob
 * order, reading a page at a time (so that `each` may query the catalog): for the catalog's reference
 * check, which asks the archive index whether each exists.
 */
export function forEachLinkedBlob(db: Db, each: (sha256: Buffer, links: number) => void, page = 10_000): void {
  const first = db.prepare<[number], {sha256: Buffer; n: number}>('SELECT sha256, count(*) AS n FROM message_link WHERE sha256 IS NOT NULL GROUP BY sha256 ORDER BY sha256 LIMIT ?');
  const next = db.prepare<[Buffer, number], {sha256: Buffer; n: number}>('SELECT sha256, count(*) AS n FROM message_link WHERE sha256 > ? GROUP BY sha256 ORDER BY sha256 LIMIT ?');
  for (let rows = first.all(page); ; ) {
    for (const row of rows) each(row.sha256, row.n);
    if (rows.length < page) return;
    rows = next.all((rows.at(-1) as {sha256: Buffer}).sha256, page);
  }
}
