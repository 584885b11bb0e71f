/**
 * The event model: parse and normalize Cyrus 3.6 event notifications (RFC 5423 plus vnd.cmu extensions).
 */

export {EVENT_TYPES} from './types.js';
export type {
  AclEntry,
  BonnieEvent,
  Envelope,
  EnvelopeAddress,
  EventCategory,
  KnownEventType,
  MailboxRef,
  ParseResult,
} from './types.js';
export {normalizeEvent, parseNotification} from './parse.js';
export type {ParseOptions} from './parse.js';
export {eventCategory, isKnownEventType} from './categories.js';
export {MAX_UID, MAX_UIDSET_UIDS, UidSet, expandUidSet, perUidProblem} from './uidset.js';
export type {UidRange, UidSetOptions, UidSetParse, UidSetResult} from './uidset.js';
export {parseMailboxUri} from './uri.js';
export type {MailboxUriOptions, MailboxUriResult} from './uri.js';
export {parseMailboxName} from './mailbox-name.js';
export type {MailboxNameParts} from './mailbox-name.js';
export {parseMailboxAcl} from './acl.js';
export type {AclResult} from './acl.js';
export {parseEnvelope} from './envelope.js';
export type {EnvelopeResult} from './envelope.js';
export {decodeEncodedWords} from './encoded-words.js';
export {splitFlags} from './flags.js';
