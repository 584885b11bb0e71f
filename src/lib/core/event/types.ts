/**
 * The event model: a Cyrus 3.6 notification (RFC 5423 plus Cyrus' vnd.cmu extensions) as one typed,
 * normalized value. Every other part of bonnie reads events through these types only.
 */
import type {UidSet} from './uidset.js';

/** Event types exactly as Cyrus 3.6 spells them (note MailboxUnSubscribe and the vnd.cmu. prefixes). */
export const EVENT_TYPES = [
  'Login',
  'Logout',
  'MailboxCreate',
  'MailboxDelete',
  'MailboxRename',
  'MailboxSubscribe',
  'MailboxUnSubscribe',
  'MailboxModseq',
  'AclChange',
  'MessageAppend',
  'MessageNew',
  'MessageRead',
  'MessageTrash',
  'MessageExpunge',
  'MessageExpire',
  'FlagsSet',
  'FlagsClear',
  'vnd.cmu.MessageCopy',
  'vnd.cmu.MessageMove',
  'QuotaChange',
  'QuotaExceed',
  'QuotaWithin',
  'CalendarAlarm',
  'ApplePushService',
] as const;

export type KnownEventType = (typeof EVENT_TYPES)[number];

export type EventCategory = 'message' | 'mailbox' | 'session' | 'quota' | 'other';

/** A mailbox named by a Cyrus URI, decoded. */
export interface MailboxRef {
  /**
   * Name exactly as the URI carries it, percent-decoded UTF-8: `user.alice.Archive`, `shared.Sales`,
   * `user.alice.Archive@example.com` (virtual domains). Cyrus writes the admin form of the name there,
   * which is the internal name except for the separator and where the domain goes.
   */
  name: string;
  /** Hierarchy separator seen in the name: `.` (default) or `/` (unixhierarchysep: yes). */
  separator: '.' | '/';
  /** Owner's login for the personal namespace (`alice`, or `alice@example.com` with a domain); undefined for shared folders. */
  owner: string | undefined;
  /** Domain for virtual-domain installs (`user.alice@example.com` or `example.com!user.alice` -> `example.com`). */
  domain: string | undefined;
  /** Path below the owner's INBOX (`['Archive']`; `[]` for the INBOX itself); for shared folders every level (`['shared', 'Sales']`). `^` is already turned back into `.`. */
  path: string[];
  /** True for the user's INBOX. */
  isInbox: boolean;
  /** Server name from the URI. */
  server: string;
  /** UIDVALIDITY, when the URI carries it. */
  uidValidity: number | undefined;
  /**
   * Set only for a folder in Cyrus' DELETED hierarchy (`DELETED.user.alice.Trash.5F1234AB`, delayed delete):
   * the Unix time (seconds) from its hex suffix. `owner` and `path` then describe the folder it was.
   */
  deletedAt?: number;
}

/** One ACL entry from `vnd.cmu.mailboxACL`. */
export interface AclEntry {
  /** Identifier (a user, `anyone`, `group:x`); a leading `-` marks negative rights and is kept. */
  subject: string;
  rights: string;
}

/** An address from an IMAP ENVELOPE (RFC 3501 section 7.4.2). */
export interface EnvelopeAddress {
  name: string | undefined;
  mailbox: string | undefined;
  host: string | undefined;
  /** `mailbox@host` when both are present. */
  address: string | undefined;
  /** Set only for members of an RFC 5322 group (`Team: a@x, b@y;`): the group's display name. */
  group?: string;
}

/** IMAP ENVELOPE, parsed (RFC 3501 section 7.4.2). */
export interface Envelope {
  date: string | undefined;
  subject: string | undefined;
  from: EnvelopeAddress[];
  sender: EnvelopeAddress[];
  replyTo: EnvelopeAddress[];
  to: EnvelopeAddress[];
  cc: EnvelopeAddress[];
  bcc: EnvelopeAddress[];
  inReplyTo: string | undefined;
  messageId: string | undefined;
}

/** A notification as bonnie understands it. Fields Cyrus did not send are undefined (or empty lists). */
export interface BonnieEvent {
  /** Type exactly as sent. Unknown types are kept (see `known`). */
  type: string;
  /** False when the type is not one of {@link EVENT_TYPES}: kept and reported, never dropped. */
  known: boolean;
  category: EventCategory;
  /**
   * RFC 3339 timestamp from the event, normalized to UTC with milliseconds (`2026-11-22T11:53:57.094Z`):
   * one spelling per instant, so times compare as text. Undefined when Cyrus did not send one or it is not
   * a valid date-time (then with a warning): consumers use the time the event was received instead.
   */
  timestamp: string | undefined;
  /** Who acted (`cyrus` for admin actions); undefined when empty (cyr_expire, MailboxModseq, some LMTP). */
  user: string | undefined;
  /** Service that emitted it (`imap`, `lmtp`, `cyr_expire`...). */
  service: string | undefined;
  /** The mailbox the event is about (for copy/move/rename: the destination / new name). */
  mailbox: MailboxRef | undefined;
  /** Owner of that mailbox (login), from its name; undefined for shared folders and session events. */
  owner: string | undefined;
  /** Cyrus' stable folder id (`mailboxID`), unchanged across renames. */
  mailboxId: string | undefined;
  /** UIDs concerned, from `uidset` or the URI's `;UID=`: ranges, never expanded (`1:4294967295` is valid). */
  uids: UidSet;
  /** For copy/move/rename: the source mailbox (from `oldMailboxID`, which is a URL). */
  sourceMailbox: MailboxRef | undefined;
  /** For copy/move: source UIDs, paired with `uids` by position (from `vnd.cmu.oldUidset`; {@link UidSet.pairs}). */
  sourceUids: UidSet;
  /** `vnd.cmu.sessionId`. */
  sessionId: string | undefined;
  /** Client address (Login/Logout only). */
  clientIp: string | undefined;
  clientPort: number | undefined;
  /** Server address (`serverDomain`, which Cyrus fills with the local IP) and port: Login/Logout only. */
  serverIp: string | undefined;
  serverPort: number | undefined;
  /** Flags from `flagNames`, system flags canonically capitalized (`\Flagged`), keywords as sent. */
  flags: string[];
  /** ACL from `vnd.cmu.mailboxACL`. */
  acl: AclEntry[] | undefined;
  /** AclChange: whose rights changed, and the rights given (undefined for DELETEACL). */
  aclSubject: string | undefined;
  aclRights: string | undefined;
  /** Parsed `vnd.cmu.envelope`. */
  envelope: Envelope | undefined;
  /** `vnd.cmu.midset`: Message-IDs matching `uids`. */
  messageIds: string[];
  /** `vnd.cmu.emailid`. */
  emailId: string | undefined;
  messageSize: number | undefined;
  modseq: number | undefined;
  uidNext: number | undefined;
  messages: number | undefined;
  /** Quota events. */
  diskQuota: number | undefined;
  diskUsed: number | undefined;
  maxMessages: number | undefined;
  /** Problems with individual fields: the event is still kept. */
  warnings: string[];
}

/** Result of parsing one notification. */
export type ParseResult = {ok: true; event: BonnieEvent} | {ok: false; error: string};
