/**
 * Cyrus events to ETSI TS 102 232-2 e-mail records (issue 16, item 2). Pure: the event, the intercepts and
 * what the caller remembers of sessions in, records out. The table and what Cyrus cannot tell are in
 * docs/INTERCEPT.md:
 *   Login -> logon (5), Logout -> logoff (7), MessageNew -> receive (2) + CC to the target,
 *   MessageAppend to a Sent folder -> send (1) + CC from the target, other MessageAppend -> upload (9) + CC,
 *   MessageRead -> download (3) (Cyrus sends it when \Seen is set: FETCH BODY[] or STORE +FLAGS \Seen).
 * Everything else (flags, copies, moves, expunges, folders, ACLs, quota) has no e-mail event and maps to
 * nothing.
 */
import {isIP} from 'node:net';
import type {BonnieEvent, Envelope, EnvelopeAddress} from '../../../core/event/types.js';
import {EMAIL_EVENT, EMAIL_PROTOCOL} from './record-types.js';
import type {EmailEventType, EmailProtocol, InterceptRecord, IriRecord, MapContext, PayloadDirection, SessionEndpoints, WatchedIntercept} from './record-types.js';

/** Last folder levels that count as Sent by default (RFC 6154 \Sent is not in the event; names are). */
export const DEFAULT_SENT_FOLDERS = ['Sent', 'Sent Items', 'Sent Messages', 'Sent Mail'] as const;

/**
 * Most UIDs one event turns into records: a MessageRead over `1:*` on a large folder is cut here rather
 * than producing millions of records at once (the cut is documented; each record names its UID).
 */
export const MAX_UIDS_PER_EVENT = 10_000;

interface Match {
  intercept: WatchedIntercept;
  /** The target acted (logged in, appended, read) rather than only owning the mailbox. */
  actor: boolean;
}

export function mapEventRecords(event: BonnieEvent, intercepts: readonly WatchedIntercept[], context: MapContext): InterceptRecord[] {
  const kind = eventKind(event, context);
  if (kind === undefined) return [];
  const at = eventTime(event, context);
  const records: InterceptRecord[] = [];
  for (const match of matches(event, kind, intercepts, at)) {
    records.push(...recordsFor(event, kind, match, at, context));
  }
  return records;
}

type Kind = 'logon' | 'logoff' | 'receive' | 'send' | 'upload' | 'download';

function eventKind(event: BonnieEvent, context: MapContext): Kind | undefined {
  switch (event.type) {
    case 'Login':
      return 'logon';
    case 'Logout':
      return 'logoff';
    case 'MessageNew':
      return 'receive';
    case 'MessageAppend':
      return isSentFolder(event, context.sentFolders ?? DEFAULT_SENT_FOLDERS) ? 'send' : 'upload';
    case 'MessageRead':
      return 'download';
    default:
      return undefined;
  }
}

const EVENT_OF: Record<Kind, EmailEventType> = {
  logon: EMAIL_EVENT.logon,
  logoff: EMAIL_EVENT.logoff,
  receive: EMAIL_EVENT.receive,
  send: EMAIL_EVENT.send,
  upload: EMAIL_EVENT.upload,
  download: EMAIL_EVENT.download,
};

function isSentFolder(event: BonnieEvent, names: readonly string[]): boolean {
  const leaf = event.mailbox?.path.at(-1);
  if (leaf === undefined || event.mailbox?.owner === undefined) return false;
  const wanted = leaf.toLowerCase();
  return names.some((n) => n.toLowerCase() === wanted);
}

function eventTime(event: BonnieEvent, context: MapContext): number {
  if (event.timestamp !== undefined) return Date.parse(event.timestamp);
  if (context.receivedAt !== undefined) return context.receivedAt;
  throw new Error(`${event.type} event without a timestamp: give the time it was received (context.receivedAt)`);
}

/**
 * Intercepts in force at `at` that the event concerns, each once. A read counts only when the target read
 * (someone else setting \Seen in the target's mailbox did not download anything to the target); a
 * delivery, an append and a session by the mailbox's owner or the acting login.
 */
function matches(event: BonnieEvent, kind: Kind, intercepts: readonly WatchedIntercept[], at: number): Match[] {
  const found: Match[] = [];
  for (const intercept of intercepts) {
    const end = Math.min(intercept.end, intercept.endedAt ?? Number.POSITIVE_INFINITY);
    if (at < intercept.start || at >= end) continue;
    const actor = intercept.targets.some((t) => sameLogin(event.user, t.login, t.addresses));
    const owner = intercept.targets.some((t) => sameLogin(event.owner, t.login, t.addresses));
    const addressed = event.type === 'MessageNew' && event.owner === undefined && intercept.targets.some((t) => recipientsOf(event.envelope).some((a) => t.addresses.some((x) => x.toLowerCase() === a.toLowerCase())));
    // A delivery is the recipient's: the LMTP "user" is the recipient too, so owner and actor agree there.
    if (actor || (kind !== 'download' && (owner || addressed))) found.push({intercept, actor});
  }
  return found;
}

/** A login as Cyrus names it (`alice`, `alice@example.com`) against a target's login and addresses. */
function sameLogin(name: string | undefined, login: string, addresses: readonly string[]): boolean {
  if (name === undefined) return false;
  const n = name.toLowerCase();
  return n === login.toLowerCase() || (n.includes('@') && addresses.some((a) => a.toLowerCase() === n));
}

function addressOf(a: EnvelopeAddress): string | undefined {
  return a.address;
}

function recipientsOf(envelope: Envelope | undefined): string[] {
  if (envelope === undefined) return [];
  return [...envelope.to, ...envelope.cc, ...envelope.bcc].map(addressOf).filter((a): a is string => a !== undefined);
}

function protocolOf(event: BonnieEvent): EmailProtocol {
  const service = (event.service ?? '').toLowerCase();
  if (service.startsWith('pop3')) return EMAIL_PROTOCOL.pop3;
  if (service === 'lmtp' || service.startsWith('smtp')) return EMAIL_PROTOCOL.smtp;
  if (service.startsWith('http') || service.startsWith('jmap')) return EMAIL_PROTOCOL.webmail;
  return EMAIL_PROTOCOL.imap4;
}

function endpoints(event: BonnieEvent, context: MapContext): SessionEndpoints {
  if (event.type === 'Login' || event.type === 'Logout') return loginEndpoints(event);
  if (event.sessionId === undefined || context.session === undefined) return {};
  return context.session(event.sessionId) ?? {};
}

/**
 * A Login's or Logout's endpoints. An address that is not an IP (Cyrus' `serverDomain` can hold a name
 * on some builds) is left out rather than make the record unencodable: IPAddress holds addresses only.
 */
export function loginEndpoints(event: BonnieEvent): SessionEndpoints {
  const own: SessionEndpoints = {};
  if (event.clientIp !== undefined && isIP(event.clientIp) !== 0) own.clientAddress = event.clientIp;
  if (event.clientPort !== undefined) own.clientPort = event.clientPort;
  if (event.serverIp !== undefined && isIP(event.serverIp) !== 0) own.serverAddress = event.serverIp;
  if (event.serverPort !== undefined) own.serverPort = event.serverPort;
  return own;
}

function recordsFor(event: BonnieEvent, kind: Kind, match: Match, at: number, context: MapContext): InterceptRecord[] {
  const liid = match.intercept.liid;
  const eventType = EVENT_OF[kind];
  const protocol = protocolOf(event);
  const base: IriRecord = {kind: 'iri', liid, at, eventType, protocol, ...endpoints(event, context), status: 'succeeded'};
  if (kind === 'logon' || kind === 'logoff') return [base];

  const mailbox = event.mailbox?.name;
  const envelope = event.envelope;
  const sender = envelope?.from[0]?.address ?? envelope?.sender[0]?.address;
  const recipients = recipientsOf(envelope);
  const direction: PayloadDirection = kind === 'receive' ? 'toTarget' : match.actor ? 'fromTarget' : 'indeterminate';
  const records: InterceptRecord[] = [];
  let index = 0;
  // Cyrus always names the message (FACTS.md); an event that does not still gets its IRI, without a UID or CC.
  const uids: Iterable<number | undefined> = event.uids.rangeCount === 0 ? [undefined] : event.uids;
  for (const uid of uids) {
    if (index >= MAX_UIDS_PER_EVENT) break;
    const iri: IriRecord = {...base};
    if (mailbox !== undefined) iri.mailbox = mailbox;
    if (uid !== undefined) iri.uid = uid;
    // One envelope covers one message (append, delivery); a read of several names them through midset.
    const messageId = event.uids.rangeCount === 1 && event.uids.first === event.uids.last ? envelope?.messageId ?? event.messageIds[0] : event.messageIds[index];
    if (messageId !== undefined) iri.messageId = messageId;
    if (kind !== 'download') {
      if (sender !== undefined) iri.sender = sender;
      if (envelope !== undefined) iri.recipients = recipients;
    }
    records.push(iri);
    if (kind !== 'download' && mailbox !== undefined && uid !== undefined) {
      records.push({kind: 'cc', liid, at, eventType, protocol, messageRef: {mailbox, mailboxId: event.mailboxId, uid}, direction});
    }
    index += 1;
  }
  return records;
}
