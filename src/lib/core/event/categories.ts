/**
 * Event types and their categories. RFC 5423 section 4 groups events by what they concern; Cyrus adds
 * vnd.cmu.MessageCopy / vnd.cmu.MessageMove, MailboxModseq and a few non-mail types.
 */

import {EVENT_TYPES} from './types.js';
import type {EventCategory, KnownEventType} from './types.js';

const CATEGORIES: Readonly<Record<KnownEventType, EventCategory>> = {
  Login: 'session',
  Logout: 'session',
  MailboxCreate: 'mailbox',
  MailboxDelete: 'mailbox',
  MailboxRename: 'mailbox',
  MailboxSubscribe: 'mailbox',
  MailboxUnSubscribe: 'mailbox',
  MailboxModseq: 'mailbox',
  AclChange: 'mailbox',
  MessageAppend: 'message',
  MessageNew: 'message',
  MessageRead: 'message',
  MessageTrash: 'message',
  MessageExpunge: 'message',
  MessageExpire: 'message',
  FlagsSet: 'message',
  FlagsClear: 'message',
  'vnd.cmu.MessageCopy': 'message',
  'vnd.cmu.MessageMove': 'message',
  QuotaChange: 'quota',
  QuotaExceed: 'quota',
  QuotaWithin: 'quota',
  CalendarAlarm: 'other',
  ApplePushService: 'other',
};

const KNOWN: ReadonlySet<string> = new Set(EVENT_TYPES);

/** True when `type` is spelled exactly as one of {@link EVENT_TYPES} (case matters: Cyrus is exact). */
export function isKnownEventType(type: string): type is KnownEventType {
  return KNOWN.has(type);
}

/** Category of an event type: message, mailbox, session, quota, or other (which includes unknown types). */
export function eventCategory(type: string): EventCategory {
  return isKnownEventType(type) ? CATEGORIES[type] : 'other';
}
