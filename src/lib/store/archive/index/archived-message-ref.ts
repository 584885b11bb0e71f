/**
 * What the archive's checks say about the messages behind a blob. The archive knows blobs, not messages:
 * which messages a blob holds the bytes of is the snapshots' and the collector's knowledge, given to
 * `verifyArchive` and `markBrokenSegments` as an {@link ArchivedMessageLookup}
 * (pipeline/collect/archived-messages.ts).
 */
import type {BlobId} from '../blob/blob.js';

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

/** The messages of every blob in `ids` (each blob once), ordered by folder name, then UID. */
export interface ArchivedMessageLookup {
  byBlobs(ids: Iterable<BlobId>): ArchivedMessageRef[];
}

/** A lookup that names no message: the checks then list blobs only. */
export const NO_MESSAGES: ArchivedMessageLookup = {byBlobs: () => []};

/** `user.alice.Sent UID 42`, or the mailboxID when no name is known. */
export function describeMessage(message: ArchivedMessageRef): string {
  return `${message.mailboxName ?? `mailbox ${message.mailboxId}`} UID ${message.uid}`;
}
