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
