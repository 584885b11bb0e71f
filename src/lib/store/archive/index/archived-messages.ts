/**
 * Which messages a blob holds the bytes of: the view `archived_message` (migration 6: the collector's done
 * jobs and the links `bonnie archive` writes), with each folder's name. A blob is a content, stored once;
 * the same bytes in two folders (a copy, the Sent copy of a message to oneself) are two messages.
 *
 * A folder's name is the one in its latest snapshot, else the one the collector saw on arrival: Cyrus
 * identifies a folder by its mailboxID, which survives renames, so the latest name is the one to show.
 */
import type {Db} from '../../../base/catalog/catalog.js';
import {blobHex, type BlobId} from '../blob/blob.js';

/** A message whose bytes are in the archive. */
export interface ArchivedMessageRef {
  /** Hex id of the blob holding its bytes. */
  blob: string;
  /** Cyrus' mailboxID of the folder. */
  mailboxId: string;
  /** Admin form of the folder's name (`user.alice.Sent`); null when no snapshot or collector job names it. */
  mailboxName: string | null;
  uidValidity: number;
  uid: number;
  /** Who linked it: `collector`, or `spool` / `imap` for `bonnie archive`. */
  source: string;
}

interface LinkRow {
  mailbox_id: string;
  uid_validity: number;
  uid: number;
  source: string;
}

/** Looks messages up by blob. Read-only; folder names are cached for the lookup's lifetime. */
export class ArchivedMessages {
  private readonly byBlobStatement;
  private readonly snapshotName;
  private readonly collectorName;
  private readonly names = new Map<string, string | null>();

  constructor(db: Db) {
    // A catalog older than migration 6, opened read-only (not migrated), has no links to name messages by.
    const linked = db.prepare<[], {n: number}>("SELECT 1 AS n FROM sqlite_master WHERE type = 'view' AND name = 'archived_message'").get() !== undefined;
    this.byBlobStatement = linked
      ? db.prepare<[Buffer], LinkRow>('SELECT mailbox_id, uid_validity, uid, source FROM archived_message WHERE sha256 = ? ORDER BY mailbox_id, uid_validity, uid')
      : undefined;
    this.snapshotName = linked ? db.prepare<[string], {name: string}>('SELECT mailbox_name AS name FROM snapshot WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1') : undefined;
    this.collectorName = linked ? db.prepare<[string], {name: string}>('SELECT mailbox_name AS name FROM collect_job WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1') : undefined;
  }

  /**
   * The messages whose bytes are blob `id`, ordered by folder name, then UID. A message linked twice
   * (by the collector and by `bonnie archive`) is listed once.
   */
  byBlob(id: BlobId): ArchivedMessageRef[] {
    if (this.byBlobStatement === undefined) return [];
    const hex = blobHex(id);
    const seen = new Set<string>();
    const found: ArchivedMessageRef[] = [];
    for (const row of this.byBlobStatement.all(id)) {
      const key = `${row.mailbox_id}\u0000${row.uid_validity}\u0000${row.uid}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({blob: hex, mailboxId: row.mailbox_id, mailboxName: this.folderName(row.mailbox_id), uidValidity: row.uid_validity, uid: row.uid, source: row.source});
    }
    return found.sort(compareMessages);
  }

  /** The messages of every blob in `ids` (each blob once), ordered by folder name, then UID. */
  byBlobs(ids: Iterable<BlobId>): ArchivedMessageRef[] {
    const seen = new Set<string>();
    const found: ArchivedMessageRef[] = [];
    for (const id of ids) {
      const hex = blobHex(id);
      if (seen.has(hex)) continue;
      seen.add(hex);
      found.push(...this.byBlob(id));
    }
    return found.sort(compareMessages);
  }

  private folderName(mailboxId: string): string | null {
    let name = this.names.get(mailboxId);
    if (name === undefined) {
      name = this.snapshotName?.get(mailboxId)?.name ?? this.collectorName?.get(mailboxId)?.name ?? null;
      this.names.set(mailboxId, name);
    }
    return name;
  }
}

/** `user.alice.Sent UID 42`, or the mailboxID when no name is known. */
export function describeMessage(message: ArchivedMessageRef): string {
  return `${message.mailboxName ?? `mailbox ${message.mailboxId}`} UID ${message.uid}`;
}

function compareMessages(a: ArchivedMessageRef, b: ArchivedMessageRef): number {
  const an = a.mailboxName ?? a.mailboxId;
  const bn = b.mailboxName ?? b.mailboxId;
  if (an !== bn) return an < bn ? -1 : 1;
  return a.uidValidity - b.uidValidity || a.uid - b.uid || (a.blob < b.blob ? -1 : a.blob > b.blob ? 1 : 0);
}
