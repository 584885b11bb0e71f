/**
 * Interception records (issue 16, items 2 and 3): a Cyrus event mapped to the ETSI TS 102 232-2 e-mail IRI
 * and CC records it stands for, and a record BER-encoded as a TS 102 232-1 PS-PDU. The mapping is pure
 * (no I/O, no clock); the serve side queues the records, numbers them per intercept and reads a CC
 * record's bytes from the spool before encoding it.
 */
import type {BonnieEvent} from '../../../core/event/types.js';
import type {InterceptTarget} from '../warrants.js';

/** ETSI TS 102 232-2 EmailEventType. */
export const EMAIL_EVENT = {
  send: 1,
  receive: 2,
  download: 3,
  logonAttempt: 4,
  logon: 5,
  logonFailure: 6,
  logoff: 7,
  partialDownload: 8,
  upload: 9,
} as const;
export type EmailEventType = (typeof EMAIL_EVENT)[keyof typeof EMAIL_EVENT];

/** ETSI TS 102 232-2 EmailProtocol (protocol-ID). */
export const EMAIL_PROTOCOL = {smtp: 1, pop3: 2, imap4: 3, webmail: 4} as const;
export type EmailProtocol = (typeof EMAIL_PROTOCOL)[keyof typeof EMAIL_PROTOCOL];

/** ETSI TS 102 232-2 E-mail-Status. */
export type EmailStatus = 'unknown' | 'failed' | 'succeeded';

/** ETSI TS 102 232-1 PayloadDirection of a CC payload, seen from the target. */
export type PayloadDirection = 'fromTarget' | 'toTarget' | 'indeterminate';

/** A message in the store: what the serve side reads from the spool for a CC record. */
export interface MessageRef {
  /** Mailbox name as the event's URI gives it (`user.alice.Sent`). */
  mailbox: string;
  /** Cyrus' folder id (`mailboxID`), which locates the spool folder; undefined when the event lacked it. */
  mailboxId: string | undefined;
  uid: number;
}

/** Intercept-related information (HI2) for one e-mail event. */
export interface IriRecord {
  kind: 'iri';
  liid: string;
  /** When it happened, ms since the epoch (the event's timestamp, else when it was received). */
  at: number;
  eventType: EmailEventType;
  protocol: EmailProtocol;
  clientAddress?: string;
  clientPort?: number;
  serverAddress?: string;
  serverPort?: number;
  /** Address of the sender (envelope From). */
  sender?: string;
  recipients?: string[];
  /** Message-ID with its angle brackets, as the message has it. */
  messageId?: string;
  mailbox?: string;
  uid?: number;
  status?: EmailStatus;
}

/** Content of communication (HI3): the message bytes, read by the serve side from `messageRef`. */
export interface CcRecord {
  kind: 'cc';
  liid: string;
  at: number;
  eventType: EmailEventType;
  protocol: EmailProtocol;
  messageRef: MessageRef;
  direction: PayloadDirection;
}

export type InterceptRecord = IriRecord | CcRecord;

/** An intercept as the mapping needs it: an `Intercept` from the store fits. */
export interface WatchedIntercept {
  liid: string;
  /** ms since the epoch; records before it are not produced. */
  start: number;
  /** ms since the epoch; records at or after it are not produced. */
  end: number;
  /** When the warrant was ended early (ms), if it was: then it is the end. */
  endedAt?: number | null;
  targets: InterceptTarget[];
}

/** A session's endpoints, as its Login event gave them (Cyrus sends clientIP/serverIP only on Login/Logout). */
export interface SessionEndpoints {
  clientAddress?: string;
  clientPort?: number;
  serverAddress?: string;
  serverPort?: number;
}

/** What the mapping may be told besides the event. */
export interface MapContext {
  /** When the event was received (ms), used when the event has no timestamp. */
  receivedAt?: number;
  /** The endpoints of a session by its `vnd.cmu.sessionId` (remembered from its Login by the caller). */
  session?: (sessionId: string) => SessionEndpoints | undefined;
  /** Folder names (last level, case-insensitive) that count as Sent; default Sent, Sent Items, Sent Messages. */
  sentFolders?: readonly string[];
}

/**
 * The records an event stands for, for every intercept it concerns (by the mailbox's owner, the acting
 * login, or for a delivery the recipients' addresses), nothing outside an intercept's start..end. Pure.
 * Order: per intercept, IRI before CC.
 */
export function mapEvent(event: BonnieEvent, intercepts: readonly WatchedIntercept[], context: MapContext = {}): InterceptRecord[] {
  void event;
  void intercepts;
  void context;
  throw new Error('not yet');
}

/** The PS-PDU header fields (ETSI TS 102 232-1 PSHeader). */
export interface PsHeader {
  liid: string;
  /** ISO 3166-1 alpha-2. */
  authCountry: string;
  /** ISO 3166-1 alpha-2. */
  deliveryCountry: string;
  operatorId: string;
  networkElementId: string;
  /** communicationIdentityNumber (CIN): one per intercepted session or message. */
  communicationId: number;
  /** Per intercept (and per HI), from 0, no gaps. */
  sequenceNumber: number;
  /** ms since the epoch; encoded as timeStamp (GeneralizedTime) and microSecondTimeStamp. */
  timestamp: number;
}

/** A CC record with the message bytes the serve side read. */
export type CcRecordWithContent = CcRecord & {content: Uint8Array};

/** One record as a BER-encoded (DER-compatible, definite lengths) PS-PDU. */
export function encodePsPdu(header: PsHeader, record: IriRecord | CcRecordWithContent): Uint8Array {
  void header;
  void record;
  throw new Error('not yet');
}

/** A keep-alive PS-PDU (payload tRIPayload), to send when the link has been idle. */
export function encodeKeepAlive(header: PsHeader): Uint8Array {
  void header;
  throw new Error('not yet');
}

/** A PS-PDU decoded back, for tests and debugging. */
export interface DecodedPsPdu {
  header: PsHeader;
  /** `keepAlive` for a tRIPayload. */
  record: IriRecord | CcRecordWithContent | 'keepAlive';
}

/** Decodes one PS-PDU (the whole buffer). Throws on anything that is not one. */
export function decodePsPdu(bytes: Uint8Array): DecodedPsPdu {
  void bytes;
  throw new Error('not yet');
}
