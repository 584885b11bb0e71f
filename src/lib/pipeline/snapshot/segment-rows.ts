/**
 * The snapshot domain's rows as the archive's segments carry them (archive format 2, issue 19): a snapshot
 * whole (folder, UIDs, flags, dates, sizes, modseqs) and message links, read to be written into a segment,
 * and written back into a new catalog by `bonnie rebuild`. The collector's links (its done jobs) are read
 * here through the archived_message view; their other columns come from their owner (collect/jobs.ts).
 */
import type {Db} from '../../base/catalog/catalog.js';

/** A snapshot and its messages, as a `snapshot/<id>.json.zst` member holds it (JSON; modseqs as decimal strings). */
export interface SnapshotDump {
  id: number;
  mailboxId: string;
  mailboxName: string;
  uidValidity: number;
  highestModseq: string;
  source: 'spool' | 'imap';
  takenAt: number;
  messages: number;
  bytes: number;
  metadata: string | null;
  /** [uid, flags, internal date (ms), size, modseq (decimal string), expunged (0|1)], by UID. */
  rows: Array<[number, string, number, number, string, number]>;
}

/** One link as a `links/...` member line holds it. `sha256` (hex) or `reason` is set, never both. */
export interface LinkDump {
  mailboxId: string;
  uidValidity: number;
  uid: number;
  source: 'collector' | 'spool' | 'imap';
  sha256: string | null;
  reason: string | null;
  /** message_link.linked_at (ms); absent for the collector's (its job carries its times). */
  linkedAt?: number;
}

interface SnapshotSql {
  id: number;
  mailbox_id: string;
  mailbox_name: string;
  uid_validity: number;
  highest_modseq: bigint;
  source: 'spool' | 'imap';
  taken_at: number;
  messages: number;
  bytes: number;
  metadata: string | null;
}

/** Reads snapshots and links to archive them; writes them back on a rebuild. */
export class SnapshotSegmentRows {
  constructor(private readonly db: Db) {}

  /** Every snapshot id, in order. */
  snapshotIds(): number[] {
    return this.db.prepare<[], {id: number}>('SELECT id FROM snapshot ORDER BY id').all().map((r) => r.id);
  }

  /** One snapshot whole. */
  dumpSnapshot(id: number): SnapshotDump | undefined {
    const head = this.db.prepare<[number], SnapshotSql>('SELECT id, mailbox_id, mailbox_name, uid_validity, highest_modseq, source, taken_at, messages, bytes, metadata FROM snapshot WHERE id = ?').safeIntegers(true).get(id);
    if (head === undefined) return undefined;
    const rows = this.db
      .prepare<[number], {uid: bigint; flags: string; internal_date: bigint; size: bigint; modseq: bigint; expunged: bigint}>('SELECT uid, flags, internal_date, size, modseq, expunged FROM snapshot_message WHERE snapshot_id = ? ORDER BY uid')
      .safeIntegers(true)
      .all(id);
    return {
      id: Number(head.id),
      mailboxId: head.mailbox_id,
      mailboxName: head.mailbox_name,
      uidValidity: Number(head.uid_validity),
      highestModseq: String(head.highest_modseq),
      source: head.source,
      takenAt: Number(head.taken_at),
      messages: Number(head.messages),
      bytes: Number(head.bytes),
      metadata: head.metadata,
      rows: rows.map((r) => [Number(r.uid), r.flags, Number(r.internal_date), Number(r.size), String(r.modseq), Number(r.expunged)]),
    };
  }

  /**
   * Up to `limit` links the segments do not carry yet, or carry with another value: message_link rows (a
   * blob, or the reason there is none) and the collector's done jobs.
   */
  unarchivedLinks(limit: number): LinkDump[] {
    const archive = this.db
      .prepare<[number], {mailbox_id: string; uid_validity: number; uid: number; source: 'spool' | 'imap'; sha256: Buffer | null; reason: string | null; linked_at: number}>(
        `SELECT m.mailbox_id, m.uid_validity, m.uid, m.source, m.sha256, m.reason, m.linked_at FROM message_link m
         WHERE NOT EXISTS (SELECT 1 FROM link_archived l WHERE l.mailbox_id = m.mailbox_id AND l.uid_validity = m.uid_validity AND l.uid = m.uid AND l.source = m.source
           AND l.value = CASE WHEN m.sha256 IS NULL THEN 'reason:' || m.reason ELSE lower(hex(m.sha256)) END)
         ORDER BY m.mailbox_id, m.uid_validity, m.uid LIMIT ?`,
      )
      .all(limit);
    const links: LinkDump[] = archive.map((r) => ({mailboxId: r.mailbox_id, uidValidity: r.uid_validity, uid: r.uid, source: r.source, sha256: r.sha256?.toString('hex') ?? null, reason: r.reason, linkedAt: r.linked_at}));
    if (links.length >= limit) return links;
    const collector = this.db
      .prepare<[number], {mailbox_id: string; uid_validity: number; uid: number; sha256: Buffer}>(
        `SELECT a.mailbox_id, a.uid_validity, a.uid, a.sha256 FROM archived_message a
         WHERE a.source = 'collector' AND NOT EXISTS (SELECT 1 FROM link_archived l WHERE l.mailbox_id = a.mailbox_id AND l.uid_validity = a.uid_validity AND l.uid = a.uid
           AND l.source = 'collector' AND l.value = lower(hex(a.sha256)))
         ORDER BY a.mailbox_id, a.uid_validity, a.uid LIMIT ?`,
      )
      .all(limit - links.length);
    for (const r of collector) links.push({mailboxId: r.mailbox_id, uidValidity: r.uid_validity, uid: r.uid, source: 'collector', sha256: r.sha256.toString('hex'), reason: null});
    return links;
  }

  /** The seq the next archived link gets (the members are named by these before the rows are written). */
  nextLinkSeq(): number {
    return (this.db.prepare<[], {top: number | null}>('SELECT max(seq) AS top FROM link_archived').get()?.top ?? 0) + 1;
  }

  /** Records that a segment now carries these links, numbered from `firstSeq`, in one transaction. */
  markLinksArchived(firstSeq: number, links: readonly LinkDump[]): void {
    const forget = this.db.prepare<[string, number, number, string]>('DELETE FROM link_archived WHERE mailbox_id = ? AND uid_validity = ? AND uid = ? AND source = ?');
    const insert = this.db.prepare<[number, string, number, number, string, string]>('INSERT INTO link_archived (seq, mailbox_id, uid_validity, uid, source, value) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const [i, l] of links.entries()) {
        forget.run(l.mailboxId, l.uidValidity, l.uid, l.source);
        insert.run(firstSeq + i, l.mailboxId, l.uidValidity, l.uid, l.source, linkValue(l));
      }
    })();
  }

  /** Rebuild: writes a snapshot back with its id, in the caller's transaction. */
  restoreSnapshot(s: SnapshotDump): void {
    this.db
      .prepare<[number, string, string, number, bigint, string, number, number, number, string | null]>('INSERT OR REPLACE INTO snapshot (id, mailbox_id, mailbox_name, uid_validity, highest_modseq, source, taken_at, messages, bytes, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(s.id, s.mailboxId, s.mailboxName, s.uidValidity, BigInt(s.highestModseq), s.source, s.takenAt, s.messages, s.bytes, s.metadata);
    const insert = this.db.prepare<[number, number, string, number, number, bigint, number]>('INSERT OR REPLACE INTO snapshot_message (snapshot_id, uid, flags, internal_date, size, modseq, expunged) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const [uid, flags, internalDate, size, modseq, expunged] of s.rows) insert.run(s.id, uid, flags, internalDate, size, BigInt(modseq), expunged);
  }

  /**
   * Rebuild: writes the archive's (not the collector's) links back, later lines winning, and records them as
   * carried (with their seqs), in the caller's transaction.
   */
  restoreLinks(firstSeq: number, links: readonly LinkDump[]): void {
    const link = this.db.prepare<[string, number, number, Buffer | null, string | null, string, number]>(
      `INSERT INTO message_link (mailbox_id, uid_validity, uid, sha256, reason, source, linked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (mailbox_id, uid_validity, uid) DO UPDATE SET sha256 = excluded.sha256, reason = excluded.reason, source = excluded.source, linked_at = excluded.linked_at`,
    );
    for (const l of links) {
      if (l.source === 'collector') continue;
      link.run(l.mailboxId, l.uidValidity, l.uid, l.sha256 === null ? null : Buffer.from(l.sha256, 'hex'), l.reason, l.source, l.linkedAt ?? 0);
    }
    this.markLinksArchived(firstSeq, links);
  }
}

function linkValue(l: LinkDump): string {
  return l.sha256 ?? `reason:${l.reason ?? ''}`;
}
