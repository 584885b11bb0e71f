/**
 * One Cyrus notification (RFC 5423 event, JSON as Cyrus' notify_external receives it) to a
 * {@link BonnieEvent}. Runs on Cyrus' critical path (notifyd waits for the dealer), so it is synchronous,
 * allocation-light and never throws. Only a missing or unreadable `event` name is fatal; every other
 * oddity becomes a warning and the event is kept.
 */

import {parseMailboxAcl} from './acl.js';
import {eventCategory, isKnownEventType} from './categories.js';
import {parseEnvelope} from './envelope.js';
import {FieldReader} from './fields.js';
import {splitFlags} from './flags.js';
import type {BonnieEvent, MailboxRef, ParseResult} from './types.js';
import {UidSet} from './uidset.js';
import {parseMailboxUri} from './uri.js';
import type {MailboxUriOptions} from './uri.js';

/** Options for {@link parseNotification} and {@link normalizeEvent}. */
export interface ParseOptions {
  /** The server's hierarchy separator when known (`/` with `unixhierarchysep: yes`); guessed otherwise. */
  separator?: '.' | '/';
}

/** Events whose `oldMailboxID` is the source mailbox's URL (Cyrus fills it with a URL, not an id). */
const SOURCE_URL_EVENTS: ReadonlySet<string> = new Set(['vnd.cmu.MessageCopy', 'vnd.cmu.MessageMove', 'MailboxRename']);

/**
 * Parses one notification as Cyrus sends it (one line of JSON; surrounding blanks allowed).
 * Fails only when the text is not JSON, not a JSON object, or has no non-empty string `event`.
 */
export function parseNotification(text: string, options: ParseOptions = {}): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {ok: false, error: `notification is not JSON: ${reason}`};
  }
  return normalizeEvent(json, options);
}

/** Normalizes an already-decoded notification; same contract as {@link parseNotification}. */
export function normalizeEvent(json: unknown, options: ParseOptions = {}): ParseResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const kind = json === null ? 'null' : Array.isArray(json) ? 'an array' : `a ${typeof json}`;
    return {ok: false, error: `notification is not a JSON object but ${kind}`};
  }
  const record = json as Record<string, unknown>;
  const type = record.event;
  if (typeof type !== 'string' || type === '') {
    const problem = type === undefined ? 'has no "event" member' : '"event" is not a non-empty string';
    return {ok: false, error: `notification ${problem}`};
  }

  const fields = new FieldReader(record, []);
  const uriOptions: MailboxUriOptions = options.separator === undefined ? {} : {separator: options.separator};

  let mailbox: MailboxRef | undefined;
  let uriUid: number | undefined;
  const uri = fields.string('uri');
  if (uri !== undefined) {
    const parsed = parseMailboxUri(uri, uriOptions);
    if (parsed.ok) {
      mailbox = parsed.mailbox;
      uriUid = parsed.uid;
    } else {
      fields.warn('uri', parsed.error);
    }
  }

  // MessageAppend/MessageNew name their one UID in the URI; the others send `uidset` (FACTS.md).
  const uids = fields.has('uidset') ? uidSet(fields, 'uidset') : uriUid === undefined ? UidSet.EMPTY : UidSet.of([uriUid]);

  let sourceMailbox: MailboxRef | undefined;
  const oldMailboxId = fields.string('oldMailboxID');
  if (oldMailboxId !== undefined && (SOURCE_URL_EVENTS.has(type) || oldMailboxId.startsWith('imap://'))) {
    const parsed = parseMailboxUri(oldMailboxId, uriOptions);
    if (parsed.ok) sourceMailbox = parsed.mailbox;
    else fields.warn('oldMailboxID', parsed.error);
  }
  const sourceUids = uidSet(fields, 'vnd.cmu.oldUidset');
  if (sourceUids.size > 0 && sourceUids.size !== uids.size) {
    fields.warn('vnd.cmu.oldUidset', `${sourceUids.size} source UIDs for ${uids.size} UIDs in uidset`);
  }

  const user = fields.string('user');
  const flagNames = fields.string('flagNames');
  const aclText = fields.string('vnd.cmu.mailboxACL');
  let acl: BonnieEvent['acl'];
  if (aclText !== undefined) {
    const parsed = parseMailboxAcl(aclText);
    if (parsed.ok) acl = parsed.acl;
    else fields.warn('vnd.cmu.mailboxACL', parsed.error);
  }
  let envelope: BonnieEvent['envelope'];
  const envelopeText = fields.string('vnd.cmu.envelope');
  if (envelopeText !== undefined) {
    const parsed = parseEnvelope(envelopeText);
    if (parsed.ok) envelope = parsed.envelope;
    else fields.warn('vnd.cmu.envelope', parsed.error);
  }

  const event: BonnieEvent = {
    type,
    known: isKnownEventType(type),
    category: eventCategory(type),
    timestamp: fields.dateTime('timestamp'),
    user: user === '' ? undefined : user,
    service: fields.string('service'),
    mailbox,
    owner: mailbox?.owner,
    mailboxId: fields.string('mailboxID'),
    uids,
    sourceMailbox,
    sourceUids,
    sessionId: fields.string('vnd.cmu.sessionId'),
    clientIp: fields.string('clientIP'),
    clientPort: fields.integer('clientPort'),
    serverIp: fields.string('serverDomain'),
    serverPort: fields.integer('serverPort'),
    flags: flagNames === undefined ? [] : splitFlags(flagNames),
    acl,
    aclSubject: fields.string('aclSubject'),
    aclRights: fields.string('aclRights'),
    envelope,
    messageIds: fields.stringArray('vnd.cmu.midset'),
    emailId: fields.string('vnd.cmu.emailid'),
    messageSize: fields.integer('messageSize'),
    modseq: fields.integer('modseq'),
    uidNext: fields.integer('uidnext'),
    messages: fields.integer('messages'),
    diskQuota: fields.integer('diskQuota'),
    diskUsed: fields.integer('diskUsed'),
    maxMessages: fields.integer('maxMessages'),
    warnings: fields.warnings,
  };
  return {ok: true, event};
}

/** A sequence-set member as ranges (never expanded: `1:4294967295` is valid), or empty with a warning. */
function uidSet(fields: FieldReader, key: string): UidSet {
  const text = fields.string(key);
  if (text === undefined) return UidSet.EMPTY;
  const parsed = UidSet.parse(text);
  if (parsed.ok) return parsed.set;
  fields.warn(key, parsed.error);
  return UidSet.EMPTY;
}
