/**
 * Archive format 2 (issue 19): what the archive writers (`bonnie collector`, `bonnie archive`) add to the
 * segments before they close, so that the archive carries the catalog's evidence and a catalog can be
 * rebuilt from the segments alone (`bonnie rebuild`):
 * - `record/<first>-<last>.jsonl.zst`: the accepted notifications the evidence chain covers, in id order, one
 *   JSON line each with the raw bytes (base64) and the chain hash; written once `bonnie process` chained them.
 * - `snapshot/<id>.json.zst`: each snapshot whole (folder, UIDs, flags, dates, sizes, modseqs).
 * - `links/<first>-<last>.jsonl.zst`: message links (which blob holds the message at mailbox, UIDVALIDITY,
 *   UID, or why there is none), the archive's and the collector's, each again whenever it changes.
 * - since catalog migration 22, the policy log, prune plans, tombstones, DLP alerts and their
 *   acknowledgements, and the quarantine (segment-carry.ts).
 * Each member is fsynced, read back and indexed before the next (ArchiveWriter.putMember); what the index
 * holds is what is carried, so a run that dies writes the rest next time. Lines in members are JSON, keys
 * in camelCase, times in ms since the epoch (docs/FORMAT.md).
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';
import {ArchiveWriter} from '../../store/archive/store.js';
import {ArchiveIndex} from '../../store/archive/index/repository.js';
import {chainLinksAfter} from '../process/chain.js';
import {dumpNotifications} from '../queue/notifications.js';
import {writeCarriedTables} from './segment-carry.js';
import {SnapshotSegmentRows} from './segment-rows.js';

/** Notifications (or links) per member at most, and their raw bytes: a member stays small enough to read whole. */
const LINES_PER_MEMBER = 5_000;
const BYTES_PER_MEMBER = 8 * 1024 * 1024;

/** One line of a record member. */
export interface RecordLine {
  id: number;
  /** The notification's exact bytes, base64. */
  raw: string;
  /** SHA-256 of raw, hex (the queue's key for byte-identical deliveries). */
  sha256: string;
  receivedAt: number;
  source: string;
  spillFile: string | null;
  eventType: string;
  eventTime: string | null;
  mailboxId: string | null;
  deliveries: number;
  lastDeliveredAt: number;
  /** The evidence chain's link for this notification: its seq and hash (hex). */
  chainSeq: number;
  chain: string;
}

/** What {@link writeSegmentRecord} added. */
export interface SegmentRecordSummary {
  notifications: number;
  snapshots: number;
  links: number;
  /** Rows of the policy log, prune plans, tombstones, DLP alerts and acknowledgements, quarantine (segment-carry.ts). */
  carried: number;
  members: number;
}

/**
 * {@link writeSegmentRecord} with a writer of its own (the collector's last step): opened, written, closed.
 * A run with nothing new writes nothing (no segment is started). While another writer holds the archive
 * (a long `bonnie archive`), nothing is written and nothing fails: that writer writes it at its end.
 */
export function writeSegmentRecordNow(catalog: Catalog, archiveDir: string, now?: () => number): SegmentRecordSummary {
  let writer: ArchiveWriter;
  try {
    writer = ArchiveWriter.open(catalog, archiveDir, now === undefined ? {} : {now});
  } catch (error) {
    if (error instanceof BonnieError && error.code === 'ArchiveLocked') return {notifications: 0, snapshots: 0, links: 0, carried: 0, members: 0};
    throw error;
  }
  try {
    return writeSegmentRecord(catalog, writer);
  } finally {
    writer.close();
  }
}

/** Writes into the writer's segments what the catalog holds and the segments do not carry yet. Call with the writer idle (settled). */
export function writeSegmentRecord(catalog: Catalog, writer: ArchiveWriter): SegmentRecordSummary {
  const db = catalog.db;
  const index = new ArchiveIndex(db);
  const summary: SegmentRecordSummary = {notifications: 0, snapshots: 0, links: 0, carried: 0, members: 0};

  // The record: chained notifications after what the segments carry, in members of bounded size.
  for (let after = index.memberHighWater('record'); ; ) {
    const links = chainLinksAfter(db, after, LINES_PER_MEMBER);
    if (links.length === 0) break;
    const last = (links.at(-1) as {notificationId: number}).notificationId;
    const rows = dumpNotifications(db, after, last);
    const byId = new Map(links.map((l) => [l.notificationId, l]));
    const lines: string[] = [];
    let bytes = 0;
    let upTo = after;
    for (const r of rows) {
      const link = byId.get(r.id);
      if (link === undefined) break; // not chained (cannot happen: the chain has no holes; verify --events says so)
      const line: RecordLine = {
        id: r.id,
        raw: r.raw.toString('base64'),
        sha256: r.sha256.toString('hex'),
        receivedAt: r.received_at,
        source: r.source,
        spillFile: r.spill_file,
        eventType: r.event_type,
        eventTime: r.event_time,
        mailboxId: r.mailbox_id,
        deliveries: r.deliveries,
        lastDeliveredAt: r.last_delivered_at,
        chainSeq: link.seq,
        chain: link.hash.toString('hex'),
      };
      const text = JSON.stringify(line);
      if (lines.length > 0 && bytes + text.length > BYTES_PER_MEMBER) break;
      lines.push(text);
      bytes += text.length + 1;
      upTo = r.id;
    }
    if (lines.length === 0) break;
    writer.putMember('record', after + 1, upTo, Buffer.from(`${lines.join('\n')}\n`));
    summary.notifications += lines.length;
    summary.members++;
    after = upTo;
  }

  // Snapshots: each one not carried yet (or only by a broken segment).
  const rows = new SnapshotSegmentRows(db);
  const carried = index.snapshotMemberIds();
  for (const id of rows.snapshotIds()) {
    if (carried.has(id)) continue;
    const dump = rows.dumpSnapshot(id);
    if (dump === undefined) continue;
    writer.putMember('snapshot', id, id, Buffer.from(JSON.stringify(dump)));
    summary.snapshots++;
    summary.members++;
  }

  // Links new or changed since they were carried.
  let previous: string | undefined;
  for (;;) {
    const links = rows.unarchivedLinks(LINES_PER_MEMBER);
    if (links.length === 0) break;
    // Each batch is marked carried before the next is read: the same batch twice is a bug, never a loop.
    const key = JSON.stringify(links[0]);
    if (key === previous) throw new Error(`links written to the archive are still listed as not carried: ${key}`);
    previous = key;
    const first = rows.nextLinkSeq();
    writer.putMember('links', first, first + links.length - 1, Buffer.from(`${links.map((l) => JSON.stringify(l)).join('\n')}\n`));
    rows.markLinksArchived(first, links);
    summary.links += links.length;
    summary.members++;
  }

  // The rest of the catalog's evidence: policy log, prune plans, tombstones, DLP alerts, quarantine.
  const tables = writeCarriedTables(db, writer, LINES_PER_MEMBER, BYTES_PER_MEMBER);
  summary.carried = tables.rows;
  summary.members += tables.members;
  return summary;
}
