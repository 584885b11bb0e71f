/**
 * Which messages a blob holds the bytes of: the view `archived_message` (migration 6: the collector's done
 * jobs and the links `bonnie archive` writes), with each folder's name, read through their owners
 * (SnapshotReader, CollectJobReader). A blob is a content, stored once; the same bytes in two folders (a
 * copy, the Sent copy of a message to oneself) are two messages.
 *
 * A folder's name is the one in its latest snapshot, else the one the collector saw on arrival: Cyrus
 * identifies a folder by its mailboxID, which survives renames, so the latest name is the one to show.
 * It lives with the collector because it reads both the snapshots and the collector's jobs.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {hasView} from '../../base/catalog/catalog.js';
import {blobHex, type BlobId} from '../../store/archive/blob/blob.js';
import type {ArchivedMessageLookup, ArchivedMessageRef} from '../../store/archive/index/archived-message-ref.js';
import {SnapshotReader} from '../snapshot/repository.js';
import {CollectJobReader} from './jobs.js';

/** Looks messages up by blob. Read-only; folder names are cached for the lookup's lifetime. */
export class ArchivedMessages implements ArchivedMessageLookup {
  /** undefined: a catalog older than migration 6, opened read-only (not migrated), has no links to name messages by. */
  private readonly readers: {snapshots: SnapshotReader; jobs: CollectJobReader} | undefined;
  private readonly names = new Map<string, string | null>();

  constructor(db: Db) {
    this.readers = hasView(db, 'archived_message') ? {snapshots: new SnapshotReader(db), jobs: new CollectJobReader(db)} : undefined;
  }

  /**
   * The messages whose bytes are blob `id`, ordered by folder name, then UID. A message linked twice
   * (by the collector and by `bonnie archive`) is listed once.
   */
  byBlob(id: BlobId): ArchivedMessageRef[] {
    if (this.readers === undefined) return [];
    const hex = blobHex(id);
    const seen = new Set<string>();
    const found: ArchivedMessageRef[] = [];
    for (const place of this.readers.snapshots.placesOf(id)) {
      const key = `${place.mailboxId}\u0000${place.uidValidity}\u0000${place.uid}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({blob: hex, mailboxId: place.mailboxId, mailboxName: this.folderName(place.mailboxId), uidValidity: place.uidValidity, uid: place.uid, source: place.source});
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
      name = this.readers?.snapshots.latest(mailboxId)?.name ?? this.readers?.jobs.folderName(mailboxId) ?? null;
      this.names.set(mailboxId, name);
    }
    return name;
  }
}

function compareMessages(a: ArchivedMessageRef, b: ArchivedMessageRef): number {
  const an = a.mailboxName ?? a.mailboxId;
  const bn = b.mailboxName ?? b.mailboxId;
  if (an !== bn) return an < bn ? -1 : 1;
  return a.uidValidity - b.uidValidity || a.uid - b.uid || (a.blob < b.blob ? -1 : a.blob > b.blob ? 1 : 0);
}
