/**
 * One handler per Cyrus event type: THE list of what `bonnie process` handles. It is typed against the
 * event model's list of exact Cyrus spellings (`MailboxUnSubscribe`, `vnd.cmu.MessageCopy`...), so a
 * misspelled or forgotten type does not compile: Bonnie's three handlers that never fired cannot happen.
 */
import {BonnieError} from '../../base/errors.js';
import type {AclEntry, BonnieEvent, KnownEventType} from '../../core/event/types.js';
import {perUidProblem} from '../../core/event/uidset.js';
import type {Change} from '../record/changes.js';
import type {FolderVersion} from '../record/folders.js';
import {normalizeFlags, type Placement} from '../record/messages.js';
import type {Recorder} from './recorder.js';

/** What a handler gets: the event, who acted, and the record to write to. */
export interface HandlerContext {
  notificationId: number;
  event: BonnieEvent;
  /** The event's time in ms since the epoch (its timestamp, or when it was received). */
  at: number;
  actor: {login: string; personId: number} | undefined;
  owner: {login: string; personId: number} | undefined;
  /** The folder as it was before this event (after `observe`, for mailbox and message events). */
  folderBefore: FolderVersion | undefined;
  record: Recorder;
  /** Writes a changelog row for this event (time, actor and session filled in). */
  change(change: Omit<Change, 'notificationId' | 'at' | 'actorPersonId' | 'actorLogin' | 'sessionId'>): void;
}

export type Handler = (context: HandlerContext) => void;

const nothing: Handler = () => undefined;

export const HANDLERS: Readonly<Record<KnownEventType, Handler>> = {
  Login: (c) => {
    c.record.sessions.login(sessionEvent(c), c.event.clientIp, c.event.clientPort, c.notificationId);
    c.change({kind: 'session', action: 'login', after: {service: c.event.service, clientIp: c.event.clientIp, clientPort: c.event.clientPort}});
  },
  Logout: (c) => {
    c.record.sessions.logout(sessionEvent(c), c.event.clientIp, c.event.clientPort, c.notificationId);
    c.change({kind: 'session', action: 'logout', after: {service: c.event.service}});
  },
  MailboxCreate: (c) => {
    const {mailboxId, mailbox} = folderOf(c);
    c.record.folders.created(mailboxId, mailbox, c.event.acl, c.owner, c.at, c.notificationId);
    c.change({kind: 'folder', action: 'created', mailboxId, after: {name: mailbox.name, acl: c.event.acl}});
  },
  MailboxRename: (c) => {
    const {mailboxId, mailbox} = folderOf(c);
    const from = c.event.sourceMailbox;
    const before = c.record.folders.renamed(mailboxId, mailbox, from, c.event.acl, c.owner, c.at, c.notificationId) ?? from?.name;
    c.change({kind: 'folder', action: 'renamed', mailboxId, before: {name: before}, after: {name: mailbox.name}});
    renamedMessages(c, mailboxId, before, mailbox.name);
    // RENAME INBOX moves the INBOX's messages only (RFC 3501 6.3.5); a user's whole tree moves only to another user.
    if (from === undefined || (from.isInbox && !mailbox.isInbox)) return;
    for (const folder of c.record.folders.renamedBelow(from, mailbox, c.owner, c.at, c.notificationId)) {
      c.change({kind: 'folder', action: 'renamed', mailboxId: folder.mailboxId, before: {name: folder.before}, after: {name: folder.after, withParent: mailbox.name}});
      renamedMessages(c, folder.mailboxId, folder.before, folder.after);
    }
  },
  MailboxDelete: (c) => {
    const {mailboxId, mailbox} = folderOf(c);
    c.record.folders.deleted(mailboxId, c.at, c.notificationId);
    c.record.messages.folderDeleted(mailboxId, c.at);
    c.change({kind: 'folder', action: 'deleted', mailboxId, before: {name: mailbox.name}});
    for (const folder of c.record.folders.deletedBelow(mailbox, c.at, c.notificationId)) {
      c.record.messages.folderDeleted(folder.mailboxId, c.at);
      c.change({kind: 'folder', action: 'deleted', mailboxId: folder.mailboxId, before: {name: folder.before}, after: {withParent: mailbox.name}});
    }
  },
  MailboxSubscribe: (c) => c.change({kind: 'folder', action: 'subscribed', mailboxId: folderOf(c).mailboxId}),
  MailboxUnSubscribe: (c) => c.change({kind: 'folder', action: 'unsubscribed', mailboxId: folderOf(c).mailboxId}),
  // Cyrus' own bookkeeping (one per mailbox commit); its counters serve gap detection, not the record.
  MailboxModseq: nothing,
  AclChange: (c) => {
    const subject = c.event.aclSubject;
    if (subject === undefined) return;
    const before = rightsOf(c.folderBefore?.acl ?? undefined, subject);
    const after = rightsOf(c.event.acl, subject) ?? c.event.aclRights;
    const revoked = after === undefined || [...(before ?? '')].some((right) => !after.includes(right));
    c.change({kind: 'folder', action: revoked ? 'acl-revoked' : 'acl-granted', mailboxId: folderOf(c).mailboxId, before: {subject, rights: before ?? ''}, after: {subject, rights: after ?? ''}});
  },
  MessageAppend: (c) => added(c, 'appended'),
  MessageNew: (c) => added(c, 'delivered'),
  'vnd.cmu.MessageCopy': (c) => transferred(c, 'copied'),
  'vnd.cmu.MessageMove': (c) => transferred(c, 'moved'),
  MessageRead: (c) => flagged(c, 'read', ['\\Seen'], []),
  MessageTrash: (c) => flagged(c, 'trashed', ['\\Deleted'], []),
  FlagsSet: (c) => flagged(c, 'flags-set', c.event.flags, []),
  FlagsClear: (c) => flagged(c, 'flags-cleared', [], c.event.flags),
  MessageExpunge: (c) => removed(c, 'expunged'),
  MessageExpire: (c) => removed(c, 'expired'),
  QuotaChange: quota,
  QuotaExceed: quota,
  QuotaWithin: quota,
  CalendarAlarm: nothing,
  ApplePushService: nothing,
};

function sessionEvent(c: HandlerContext) {
  return {sessionId: c.event.sessionId ?? `none:${c.notificationId}`, at: c.at, service: c.event.service, personId: c.actor?.personId, login: c.actor?.login};
}

function folderOf(c: HandlerContext) {
  const {mailboxId, mailbox} = c.event;
  if (mailboxId === undefined || mailbox === undefined) throw new Error(`${c.event.type} without mailboxID or mailbox URI`);
  return {mailboxId, mailbox};
}

/** A rename entry in the timeline of every message still in the renamed folder, by the same actor and session. */
function renamedMessages(c: HandlerContext, mailboxId: string, before: string | undefined, after: string): void {
  c.record.changes.recordForEachMessage({
    notificationId: c.notificationId,
    at: c.at,
    actorPersonId: c.actor?.personId,
    actorLogin: c.actor?.login,
    sessionId: c.event.sessionId,
    action: 'renamed',
    mailboxId,
    before: {name: before},
    after: {name: after},
  });
}

function rightsOf(acl: AclEntry[] | undefined, subject: string): string | undefined {
  return acl?.find((entry) => entry.subject === subject)?.rights;
}

/** UIDVALIDITY of the event's folder: from its URI, or the folder as known. */
function validityOf(c: HandlerContext): number | null {
  return c.event.mailbox?.uidValidity ?? c.folderBefore?.uidValidity ?? null;
}

/**
 * The event's UIDs with their position and, for COPY/MOVE, their source UID (paired by position in
 * ascending order, as Cyrus writes `uidset` and `vnd.cmu.oldUidset`: RFC 4315 COPYUID), for per-message work. A set larger than MAX_UIDSET_UIDS (valid
 * IMAP, impossible in a real folder; {@link perUidProblem}) fails this job with a message naming it, before
 * anything is written, instead of looping for hours: the rest of the run goes on.
 */
function* eachUid(c: HandlerContext): Generator<[uid: number, index: number, sourceUid: number | undefined]> {
  const problem = perUidProblem(c.event.uids);
  if (problem !== undefined) throw new BonnieError('UidSetTooLarge', `${c.event.type}: ${problem}; not recorded`);
  let index = 0;
  for (const [uid, sourceUid] of c.event.uids.pairs(c.event.sourceUids)) yield [uid, index++, sourceUid];
}

/** The placement of UID `uid` (the event's `index`th); one first seen now (mail from before bonnie) if unknown. */
function placementOf(c: HandlerContext, uid: number, index: number): {placement: Placement; firstSeen: boolean} {
  const {mailboxId} = folderOf(c);
  const known = c.record.messages.find(mailboxId, validityOf(c), uid);
  if (known !== undefined) return {placement: known, firstSeen: false};
  const message = c.record.messages.message({emailId: undefined, messageId: c.event.messageIds[index], envelope: undefined, size: undefined}, c.at, c.notificationId);
  return {placement: c.record.messages.place(mailboxId, validityOf(c), uid, message, 'first-seen', undefined, [], c.at, c.notificationId), firstSeen: true};
}

function added(c: HandlerContext, action: 'appended' | 'delivered'): void {
  const {mailboxId} = folderOf(c);
  const {event} = c;
  const facts = {emailId: event.emailId, messageId: event.messageIds[0] ?? event.envelope?.messageId, envelope: event.envelope, size: event.messageSize};
  const flags = normalizeFlags(event.flags);
  for (const [uid] of eachUid(c)) {
    const earlier = c.record.messages.find(mailboxId, validityOf(c), uid);
    const message = earlier === undefined ? c.record.messages.message(facts, c.at, c.notificationId) : c.record.messages.arrivedLate(earlier, facts, action, c.at, c.notificationId);
    const placement = earlier ?? c.record.messages.place(mailboxId, validityOf(c), uid, message, action, undefined, flags, c.at, c.notificationId);
    // Arrived late: the flags it was stored with still hold, unless a change seen since cleared them.
    if (earlier !== undefined) c.record.messages.updateFlags(earlier, normalizeFlags([...earlier.flags, ...flags.filter((flag) => !c.record.messages.wasCleared(earlier, flag))]));
    c.change({kind: 'message', action, mailboxId, placementId: placement.id, message, after: {uid, flags}});
  }
}

function transferred(c: HandlerContext, action: 'copied' | 'moved'): void {
  const {mailboxId, mailbox} = folderOf(c);
  const {event} = c;
  const source = event.sourceMailbox === undefined ? undefined : c.record.folders.findByName(event.sourceMailbox.name);
  const sourceValidity = event.sourceMailbox?.uidValidity ?? source?.uidValidity ?? null;
  for (const [uid, index, sourceUid] of eachUid(c)) {
    const from = source === undefined || sourceUid === undefined ? undefined : c.record.messages.find(source.mailboxId, sourceValidity, sourceUid);
    const message = from?.message ?? c.record.messages.message({emailId: undefined, messageId: event.messageIds[index], envelope: undefined, size: undefined}, c.at, c.notificationId);
    const placement = c.record.messages.place(mailboxId, validityOf(c), uid, message, action, from?.id, from?.flags ?? [], c.at, c.notificationId);
    if (action === 'moved' && from !== undefined) c.record.messages.removed(from, 'moved', c.at);
    c.change({
      kind: 'message',
      action,
      mailboxId,
      placementId: placement.id,
      message,
      before: {folder: event.sourceMailbox?.name, mailboxId: source?.mailboxId, uid: sourceUid},
      after: {folder: mailbox.name, uid},
    });
  }
}

function flagged(c: HandlerContext, action: 'read' | 'trashed' | 'flags-set' | 'flags-cleared', add: string[], remove: string[]): void {
  const {mailboxId} = folderOf(c);
  const removing = new Set(remove.map((flag) => flag.toLowerCase()));
  for (const [uid, index] of eachUid(c)) {
    const {placement, firstSeen} = placementOf(c, uid, index);
    const flags = normalizeFlags([...placement.flags.filter((flag) => !removing.has(flag.toLowerCase())), ...add]);
    const changed = c.record.messages.updateFlags(placement, flags);
    // A STORE names every UID it was given, changed or not: only real changes are recorded.
    if (changed || firstSeen) c.change({kind: 'message', action, mailboxId, placementId: placement.id, message: placement.message, before: firstSeen ? null : placement.flags, after: flags});
  }
}

function removed(c: HandlerContext, action: 'expunged' | 'expired'): void {
  const {mailboxId} = folderOf(c);
  for (const [uid, index] of eachUid(c)) {
    const {placement} = placementOf(c, uid, index);
    // The expunge that completes a MOVE finds the placement already gone: the move is the record.
    if (c.record.messages.removed(placement, action, c.at)) c.change({kind: 'message', action, mailboxId, placementId: placement.id, message: placement.message, before: {uid}});
  }
}

function quota(c: HandlerContext): void {
  const {event} = c;
  c.change({kind: 'quota', action: 'quota-changed', after: {root: event.mailbox?.name, diskQuota: event.diskQuota, diskUsed: event.diskUsed, maxMessages: event.maxMessages, messages: event.messages}});
}
