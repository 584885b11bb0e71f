/**
 * `bonnie history --message`: a message's timeline across every place it has been. Starting from the
 * message's placements, the lineage is followed both ways (`placement.source_placement_id`: where a copy
 * or move came from, and every copy or move made of it, recursively), so the timeline shows the message
 * from its arrival to each copy's end. Folder renames keep the mailboxID, hence the placements; each row
 * names the folder as it was called then.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {Origin, Removal} from '../../pipeline/record/messages.js';
import {FolderNames} from './folder-names.js';
import {formatMessageRef, formatPlacementRef, resolveMessage, type MessageRef} from './refs.js';
import {keepNewest, TIMELINE_COLUMNS, TIMELINE_FROM, toTimelineEntry, type TimelineEntry, type TimelineRow} from './timeline.js';

/** What the record knows of a message (from Cyrus' envelope). */
export interface MessageFacts {
  /** The reference to paste back: emailid, or msg:<n>. */
  ref: string;
  id: number;
  emailId: string | null;
  /** The Message-ID header, with its angle brackets. */
  messageId: string | null;
  subject: string | null;
  /** The first From address. */
  from: string | null;
  /** The Date header as written. */
  date: string | null;
  /** Size in bytes. */
  size: number | null;
  firstSeenAt: string;
}

/** One place the message is or was: a folder and a UID. */
export interface PlacementState {
  /** `<folder now>:<uid>` (`<mailboxID>:<uid>` when several folders have had that name): accepted by --message. */
  ref: string;
  /** `<mailboxID>:<uid>`: the same, immune to renames. */
  stableRef: string;
  mailboxId: string;
  /** The folder's name now (its last name if it was deleted). */
  folder: string | null;
  folderDeleted: boolean;
  /** The folder's name when the message was placed there. */
  folderThen: string | null;
  uidValidity: number | null;
  uid: number;
  messageRef: string;
  origin: Origin;
  /** Where a copy or move came from: `<folder then>:<uid>`. */
  source: string | null;
  /** Flags now, or when it was removed. */
  flags: string[];
  addedAt: string;
  removedAt: string | null;
  /** `present`, or why it is gone. */
  state: 'present' | Removal;
}

export interface MessageHistory {
  message: MessageFacts;
  /** Every placement of the message and its lineage, in the order they were made. */
  placements: PlacementState[];
  /** Newest last. */
  timeline: TimelineEntry[];
  /** Older entries left out by `limit`. */
  omitted: number;
}

interface PlacementRow {
  id: number;
  mailbox_id: string;
  uid_validity: number | null;
  uid: number;
  message: number;
  email_id: string | null;
  origin: Origin;
  source_placement_id: number | null;
  flags: string;
  added_at: string;
  removed_at: string | null;
  removal: Removal | null;
}

interface MessageRow {
  id: number;
  email_id: string | null;
  message_id: string | null;
  subject: string | null;
  sender: string | null;
  sent_date: string | null;
  size: number | null;
  first_seen_at: string;
}

const PLACEMENT_COLUMNS = 'p.id, p.mailbox_id, p.uid_validity, p.uid, p.message, m.email_id, p.origin, p.source_placement_id, p.flags, p.added_at, p.removed_at, p.removal';

/** The history of the message `ref` names. Throws BonnieError MessageUnknown / MessageAmbiguous. */
export function messageHistory(db: Db, ref: MessageRef, options: {limit?: number} = {}): MessageHistory {
  const id = resolveMessage(db, ref);
  const message = db
    .prepare<[number], MessageRow>('SELECT id, email_id, message_id, subject, sender, sent_date, size, first_seen_at FROM message WHERE id = ?')
    .get(id) as MessageRow;
  const placements = lineage(db, id);
  const names = new FolderNames(db);
  const rows = db
    .prepare<{placements: string; message: number}, TimelineRow>(
      `SELECT ${TIMELINE_COLUMNS} FROM ${TIMELINE_FROM}
       WHERE c.placement_id IN (SELECT value FROM json_each(@placements))
          OR (c.placement_id IS NULL AND c.message = @message)
       ORDER BY c.at, c.id`,
    )
    .all({placements: JSON.stringify(placements.map((p) => p.id)), message: id});
  const {kept, omitted} = keepNewest(
    rows.map((row) => toTimelineEntry(row, names)),
    options.limit,
  );
  const byId = new Map(placements.map((p) => [p.id, p]));
  return {
    message: {
      ref: formatMessageRef({id: message.id, emailId: message.email_id}),
      id: message.id,
      emailId: message.email_id,
      messageId: message.message_id,
      subject: message.subject,
      from: message.sender,
      date: message.sent_date,
      size: message.size,
      firstSeenAt: message.first_seen_at,
    },
    placements: placements.map((p) => toPlacementState(p, byId, names)),
    timeline: kept,
    omitted,
  };
}

/** The message's placements and, transitively, their sources and copies, by when they were made. */
function lineage(db: Db, message: number): PlacementRow[] {
  const ofMessage = db.prepare<[number], PlacementRow>(`SELECT ${PLACEMENT_COLUMNS} FROM placement p JOIN message m ON m.id = p.message WHERE p.message = ?`);
  const byId = db.prepare<[number], PlacementRow>(`SELECT ${PLACEMENT_COLUMNS} FROM placement p JOIN message m ON m.id = p.message WHERE p.id = ?`);
  const copies = db.prepare<[number], PlacementRow>(`SELECT ${PLACEMENT_COLUMNS} FROM placement p JOIN message m ON m.id = p.message WHERE p.source_placement_id = ?`);
  const found = new Map<number, PlacementRow>();
  const queue = ofMessage.all(message);
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (found.has(next.id)) continue;
    found.set(next.id, next);
    const source = next.source_placement_id === null ? undefined : byId.get(next.source_placement_id);
    if (source !== undefined) queue.push(source);
    queue.push(...copies.all(next.id));
  }
  return [...found.values()].sort((a, b) => (a.added_at < b.added_at ? -1 : a.added_at > b.added_at ? 1 : a.id - b.id));
}

function toPlacementState(p: PlacementRow, byId: Map<number, PlacementRow>, names: FolderNames): PlacementState {
  const folder = names.nameNow(p.mailbox_id) ?? null;
  const source = p.source_placement_id === null ? undefined : byId.get(p.source_placement_id);
  const sourceName = source === undefined ? undefined : names.refName(source.mailbox_id, names.nameAt(source.mailbox_id, p.added_at));
  return {
    ref: formatPlacementRef(names.refName(p.mailbox_id, folder ?? undefined), p.uid),
    stableRef: formatPlacementRef(p.mailbox_id, p.uid),
    mailboxId: p.mailbox_id,
    folder,
    folderDeleted: names.isDeleted(p.mailbox_id),
    folderThen: names.nameAt(p.mailbox_id, p.added_at) ?? null,
    uidValidity: p.uid_validity,
    uid: p.uid,
    messageRef: formatMessageRef({id: p.message, emailId: p.email_id}),
    origin: p.origin,
    source: source === undefined || sourceName === undefined ? null : formatPlacementRef(sourceName, source.uid),
    flags: JSON.parse(p.flags) as string[],
    addedAt: p.added_at,
    removedAt: p.removed_at,
    state: p.removal ?? 'present',
  };
}
