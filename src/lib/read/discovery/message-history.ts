/**
 * `bonnie history --message`: a message's timeline across every place it has been. Starting from the
 * message's placements, the lineage is followed both ways (`placement.source_placement_id`: where a copy
 * or move came from, and every copy or move made of it, recursively), so the timeline shows the message
 * from its arrival to each copy's end. Folder renames keep the mailboxID, hence the placements; each row
 * names the folder as it was called then.
 */
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {TransportReader, type Delivery} from '../../pipeline/maillog/transport-reader.js';
import type {Origin, Removal} from '../../pipeline/record/messages.js';
import {ChangeReader} from '../../pipeline/record/read-changes.js';
import {PlacementReader, type MessageRow, type PlacementRef} from '../../pipeline/record/read-placements.js';
import {FolderNames} from './folder-names.js';
import {formatMessageRef, formatPlacementRef, resolveMessage, type MessageRef} from './refs.js';
import {keepNewest, toTimelineEntry, type TimelineEntry} from './timeline.js';

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

/** One MTA hop that logged the message's Message-ID (`bonnie maillog`); `bonnie trace` shows the path whole. */
export interface TransportHop {
  host: string;
  queueId: string;
  receivedAt: string;
  client: string | null;
  /** The envelope sender. */
  from: string | null;
  /** Each recipient's last attempt on this host. */
  deliveries: Array<{at: string; to: string; status: string; relay: string | null; nextQueueId: string | null}>;
}

export interface MessageHistory {
  message: MessageFacts;
  /** Its path through the MTAs whose logs were read, oldest first; empty when none logged it. */
  transport: TransportHop[];
  /** Every placement of the message and its lineage, in the order they were made. */
  placements: PlacementState[];
  /** Newest last. */
  timeline: TimelineEntry[];
  /** Older entries left out by `limit`. */
  omitted: number;
}

/** The history of the message `ref` names. Throws BonnieError MessageUnknown / MessageAmbiguous. */
export function messageHistory(db: Db, ref: MessageRef, options: {limit?: number} = {}): MessageHistory {
  const id = resolveMessage(db, ref);
  const record = new PlacementReader(db);
  const message = record.message(id) as MessageRow;
  const placements = lineage(record, id);
  const names = new FolderNames(db);
  const rows = new ChangeReader(db).ofPlacements(
    placements.map((p) => p.id),
    id,
  );
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
      firstSeenAt: isoTime(message.first_seen_at),
    },
    transport: message.message_id === null ? [] : transportOf(db, message.message_id),
    placements: placements.map((p) => toPlacementState(p, byId, names)),
    timeline: kept,
    omitted,
  };
}

/** The MTA hops that logged `messageId`, each recipient's last attempt per hop. */
function transportOf(db: Db, messageId: string): TransportHop[] {
  const transport = new TransportReader(db);
  return transport.inPathOrder(transport.byMessageId(messageId)).map((entry) => {
    const last = new Map<string, Delivery>();
    for (const d of transport.deliveries(entry.id)) last.set(d.recipient, d);
    return {
      host: entry.host,
      queueId: entry.queueId,
      receivedAt: isoTime(entry.firstAt),
      client: entry.client,
      from: entry.sender,
      deliveries: [...last.values()].map((d) => ({at: isoTime(d.at), to: d.recipient, status: d.status, relay: d.relay, nextQueueId: d.nextQueueId})),
    };
  });
}

/** The message's placements and, transitively, their sources and copies, by when they were made. */
function lineage(record: PlacementReader, message: number): PlacementRef[] {
  const seeds = record.ofMessage(message).map((placement) => ({placement, tag: undefined}));
  return record
    .lineage(seeds, {sameMessage: false})
    .map((found) => found.placement)
    .sort((a, b) => (a.addedAt < b.addedAt ? -1 : a.addedAt > b.addedAt ? 1 : a.id - b.id));
}

function toPlacementState(p: PlacementRef, byId: Map<number, PlacementRef>, names: FolderNames): PlacementState {
  const folder = names.nameNow(p.mailboxId) ?? null;
  const source = p.sourcePlacementId === null ? undefined : byId.get(p.sourcePlacementId);
  const sourceName = source === undefined ? undefined : names.refName(source.mailboxId, names.nameAt(source.mailboxId, p.addedAt));
  return {
    ref: formatPlacementRef(names.refName(p.mailboxId, folder ?? undefined), p.uid),
    stableRef: formatPlacementRef(p.mailboxId, p.uid),
    mailboxId: p.mailboxId,
    folder,
    folderDeleted: names.isDeleted(p.mailboxId),
    folderThen: names.nameAt(p.mailboxId, p.addedAt) ?? null,
    uidValidity: p.uidValidity,
    uid: p.uid,
    messageRef: formatMessageRef({id: p.message, emailId: p.emailId}),
    origin: p.origin,
    source: source === undefined || sourceName === undefined ? null : formatPlacementRef(sourceName, source.uid),
    flags: p.flags,
    addedAt: isoTime(p.addedAt),
    removedAt: isoTimeOrNull(p.removedAt),
    state: p.removal ?? 'present',
  };
}
