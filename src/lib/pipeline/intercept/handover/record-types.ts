/**
 * The interception records' types (issue 16): ETSI TS 102 232-2 e-mail IRI and CC as bonnie hands them
 * from the mapping (event-map.ts) to the queue and the encoder (pdu.ts). Re-exported by records.ts.
 */
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

/** A CC record read back from a PS-PDU: the spool reference is not in it, the bytes are. */
export interface DecodedCcRecord {
  kind: 'cc';
  liid: string;
  at: number;
  direction: PayloadDirection;
  content: Uint8Array;
}

/** A PS-PDU decoded back, for tests and debugging. */
export interface DecodedPsPdu {
  header: PsHeader;
  /**
   * `keepAlive` for a tRIPayload keep-alive. An IRI comes back without `mailbox` and `uid` (not encoded);
   * a CC without its event type, protocol and spool reference (not in EmailCC).
   */
  record: IriRecord | DecodedCcRecord | 'keepAlive';
  /** For an IRI: its IRIType (1 begin, 2 end, 3 continue, 4 report). */
  iriType?: number;
}
