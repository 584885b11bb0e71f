/**
 * `bonnie intercept serve` (issue 16, items 3 and 4): follows the notifications capture commits to the
 * catalog (read-only), maps each through the records' mapping for the warrants in the interception store
 * (read again every round: an added or ended warrant counts from the next round), reads a CC record's
 * message from Cyrus' spool, numbers and encodes the PDUs into the handover queue, and hands them over.
 *
 * Contracts:
 * - Each notification is mapped once: the PDUs of a round's notifications and the cursor (the last
 *   notification id mapped) are committed together in the interception store; a restart resumes after
 *   the cursor.
 * - The first run starts at the notifications received since the earliest start of a warrant in force
 *   (or at the newest one when none is); the mapping itself keeps each warrant to its period, by the time
 *   the event happened. PDUs of events inside the period are handed over even when that is later (the
 *   agency was down): a warrant past its end gets nothing more from events after it.
 * - Nothing is written to the catalog, and nothing about a warrant to syslog: the lines (`onLine`) go to
 *   the service's own output, root's.
 */
import {createHash} from 'node:crypto';
import {hostname} from 'node:os';
import type {Db} from '../../base/catalog/catalog.js';
import {followUntilSignal} from '../../base/system/follow.js';
import {lineTime} from '../../base/system/follow-lines.js';
import {errorMessage} from '../../base/errors.js';
import {parseNotification} from '../../core/event/parse.js';
import type {BonnieEvent} from '../../core/event/types.js';
import type {SpoolRead} from '../collect/spool.js';
import {NotificationLog} from '../queue/notifications.js';
import {SessionEndpointBook, type CcRecord, type CcRecordWithContent, type InterceptRecord, type IriRecord, type MapContext, type PsHeader, type WatchedIntercept} from './handover/records.js';
import {FolderSender} from './handover/folder-sender.js';
import {TcpSender, type KeepAliveOptions, type SenderEvent} from './handover/tcp-sender.js';
import {HandoverQueue, type Hi, type PduToEnqueue, type QueuedPdu} from './queue.js';
import {Warrants, type Intercept} from './warrants.js';

/** How often the catalog is read for new notifications when there was nothing new (the IRI latency's floor). */
export const SERVE_POLL_MS = 100;
/** Delivered PDUs purged of their bytes per round, and how often serve looks for them once none is left. */
const PURGE_BATCH = 500;
const PURGE_EVERY_MS = 10 * 60_000;
/** Notifications mapped per round. */
const SERVE_BATCH = 500;
/**
 * How far back a start looks for the Logins of sessions still open: sessions older than this (an IMAP
 * client idling for days) lose their endpoints in records after a restart (docs/OPERATIONS.md).
 */
export const SESSION_LOOKBACK_MS = 24 * 3_600_000;
/** Events stamped a little before they were received still count for a warrant that starts then. */
const FIRST_RUN_SLACK_MS = 60_000;

/** The mapping and the encoding (handover/records.ts); unit tests pass a fake. */
export interface InterceptCodec {
  mapEvent: (event: BonnieEvent, intercepts: readonly WatchedIntercept[], context: MapContext) => InterceptRecord[];
  encodePsPdu: (header: PsHeader, record: IriRecord | CcRecordWithContent) => Uint8Array;
  encodeKeepAlive: (header: PsHeader) => Uint8Array;
}

/** Reads a message of the spool (collect/spool.ts's SpoolReader fits). */
export interface MessageSource {
  read(mailboxId: string, uid: number): SpoolRead;
}

export type HiName = 'HI2' | 'HI3';

export type ServeLine =
  | {type: 'started'; at: string; command: 'intercept serve'; pid: number; catalog: string; afterId: number; intercepts: number}
  | {type: 'handover'; at: string; liid: string; hi: HiName; destination: string; state: 'connected' | 'disconnected'; error?: string; retryInMs?: number}
  | {type: 'warning'; at: string; message: string}
  | {type: 'error'; at: string; message: string}
  | {type: 'stopped'; at: string; events: number; records: number; delivered: number; purged: number};

export interface ServeSummary {
  /** Notifications read. */
  events: number;
  /** PDUs queued (IRI and CC). */
  records: number;
  /** PDUs handed over while serving. */
  delivered: number;
  /** Delivered PDUs whose bytes were dropped (--keep-delivered). */
  purged: number;
}

export interface ServeOptions {
  codec: InterceptCodec;
  spool: MessageSource;
  keepAlive: KeepAliveOptions;
  /** PSHeader operatorIdentifier and networkElementIdentifier (1-16 characters each). */
  operatorId: string;
  networkElementId?: string;
  catalogPath: string;
  /** How long a delivered PDU keeps its bytes (ms); undefined: for ever. */
  keepDeliveredMs?: number | undefined;
  /** Told each round how far behind serve is: ms since the oldest notification not yet mapped arrived (0: none). */
  onLag?: (lagMs: number) => void;
  onLine: (line: ServeLine) => void;
  signals?: readonly NodeJS.Signals[];
  pollMs?: number;
  now?: () => number;
}

type Sender = {wake(pdus?: ReadonlyArray<{seq: number; pdu: Buffer}>): void; start(): void; close(): Promise<void>};

/** Serves until SIGTERM or SIGINT; resolves once every sender has finished its write. */
export async function serveIntercepts(store: Db, catalog: Db, options: ServeOptions): Promise<ServeSummary> {
  const now = options.now ?? Date.now;
  const at = () => lineTime(options.now);
  const warrants = new Warrants(store);
  const queue = new HandoverQueue(store);
  const notifications = new NotificationLog(catalog);
  const senders = new Map<string, Sender>();
  const closing: Array<Promise<void>> = [];
  /** The store's id of each warrant, by LIID (what the queue is keyed by). */
  const ids = new Map<string, number>();
  const sessions = new SessionEndpointBook();
  const summary: ServeSummary = {events: 0, records: 0, delivered: 0, purged: 0};
  const networkElementId = (options.networkElementId ?? hostname()).slice(0, 16) || 'bonnie';
  const emit = options.onLine;

  let intercepts = warrants.list(now());
  let cursor = queue.cursor();
  if (cursor === undefined) {
    const inForce = intercepts.filter((i) => i.state !== 'over').map((i) => i.start);
    cursor = inForce.length === 0 ? notifications.lastId() : notifications.lastIdBefore(Math.min(...inForce) - FIRST_RUN_SLACK_MS);
    queue.setCursor(cursor, now());
  }
  // The endpoints of the sessions open at the cursor: Cyrus sends them on Login only, and a restart must
  // not strip them from the records of a session that began before it.
  for (const n of notifications.sessionEvents(notifications.lastIdBefore(now() - SESSION_LOOKBACK_MS), cursor)) {
    const parsed = parseNotification(n.raw.toString('utf8'));
    if (parsed.ok) sessions.note(parsed.event);
  }
  emit({type: 'started', at: at(), command: 'intercept serve', pid: process.pid, catalog: options.catalogPath, afterId: cursor, intercepts: intercepts.filter((i) => i.state === 'active').length});

  const senderFor = (intercept: Intercept, interceptId: number, hi: Hi): Sender => {
    const key = `${interceptId}:${hi}`;
    let sender = senders.get(key);
    if (sender !== undefined) return sender;
    const onDelivered = () => {
      summary.delivered++;
    };
    if (intercept.folder !== null) {
      sender = new FolderSender({folder: intercept.folder, liid: intercept.liid, queue, interceptId, hi, onDelivered, now,
        onError: (error) => emit({type: 'error', at: at(), message: `${intercept.liid} ${hiName(hi)}: cannot write to ${intercept.folder}: ${error.message}`})});
    } else {
      const url = (hi === 2 ? intercept.hi2 : intercept.hi3) as string;
      let keepAlives = 0;
      sender = new TcpSender({
        url, queue, interceptId, hi, keepAlive: options.keepAlive, onDelivered, now,
        encodeKeepAlive: () => options.codec.encodeKeepAlive(header(intercept, 0, keepAlives++, now())),
        onEvent: (e: SenderEvent) => emit(e.kind === 'connected'
          ? {type: 'handover', at: at(), liid: intercept.liid, hi: hiName(hi), destination: url, state: 'connected'}
          : {type: 'handover', at: at(), liid: intercept.liid, hi: hiName(hi), destination: url, state: 'disconnected', error: e.error, retryInMs: e.retryInMs}),
      });
    }
    senders.set(key, sender);
    sender.start();
    return sender;
  };

  const header = (intercept: Intercept, communicationId: number, sequenceNumber: number, timestamp: number): PsHeader => ({
    liid: intercept.liid, authCountry: intercept.authCountry, deliveryCountry: intercept.deliveryCountry,
    operatorId: options.operatorId, networkElementId, communicationId, sequenceNumber, timestamp,
  });

  /**
   * The warrants are read again when another connection changed the store (`intercept add`, `end`: SQLite's
   * data_version) or when one starts or ends by the clock; not every round (a store keeps every warrant
   * ever added, each with its targets).
   */
  let storeVersion = -1;
  let nextChangeAt = Number.POSITIVE_INFINITY;
  /** The warrants by their store id (senders are keyed by it). */
  const byId = new Map<number, Intercept>();
  /** True when the warrants were read again. */
  const rereadWarrants = (): boolean => {
    const version = store.pragma('data_version', {simple: true}) as number;
    const t = now();
    if (version === storeVersion && t < nextChangeAt) return false;
    storeVersion = version;
    intercepts = warrants.list(t);
    nextChangeAt = Math.min(...intercepts.flatMap((i) => [i.start, i.end].filter((at) => at > t)), Number.POSITIVE_INFINITY);
    for (const intercept of intercepts) {
      const id = warrants.idOf(intercept.liid) as number;
      ids.set(intercept.liid, id);
      byId.set(id, intercept);
    }
    return true;
  };

  /**
   * Senders for every warrant in force, and for one that is over while it has PDUs to hand over (looked
   * for when the warrants are read again; PDUs queued later for a warrant over make their sender when
   * queued); the sender of a warrant over and handed over is closed (no connection, no keep-alives).
   */
  const refreshSenders = () => {
    const reread = rereadWarrants();
    for (const intercept of intercepts) {
      const id = ids.get(intercept.liid) as number;
      for (const hi of [2, 3] as const) {
        const sender = senders.get(`${id}:${hi}`);
        if (intercept.state !== 'over') {
          if (sender === undefined) senderFor(intercept, id, hi);
        } else if (sender === undefined) {
          if (reread && queue.hasPending(id, hi)) senderFor(intercept, id, hi);
        } else if (!queue.hasPending(id, hi)) {
          senders.delete(`${id}:${hi}`);
          closing.push(sender.close());
        }
      }
    }
  };

  const mapOne = (id: number, receivedAt: number, raw: Buffer): PduToEnqueue[] => {
    const parsed = parseNotification(raw.toString('utf8'));
    if (!parsed.ok) return [];
    const event = parsed.event;
    // A Logout's own record still carries the endpoints: the book forgets the session after it is mapped.
    const records = options.codec.mapEvent(event, intercepts, {receivedAt, session: sessions.lookUp});
    sessions.note(event);
    const items: PduToEnqueue[] = [];
    for (const record of records) {
      const intercept = intercepts.find((i) => i.liid === record.liid);
      const interceptId = ids.get(record.liid);
      if (intercept === undefined || interceptId === undefined) continue;
      const cin = communicationId(event, record, id);
      if (record.kind === 'iri') {
        items.push({interceptId, hi: 2, encode: (seq) => options.codec.encodePsPdu(header(intercept, cin, seq, record.at), record)});
        continue;
      }
      const content = readContent(record);
      if (content === undefined) continue;
      items.push({interceptId, hi: 3, encode: (seq) => options.codec.encodePsPdu(header(intercept, cin, seq, record.at), {...record, content})});
    }
    return items;
  };

  const readContent = (record: CcRecord): Buffer | undefined => {
    const ref = record.messageRef;
    const read = ref.mailboxId === undefined ? undefined : options.spool.read(ref.mailboxId, ref.uid);
    if (read?.kind === 'bytes') return read.bytes;
    const why = read === undefined ? 'the event has no mailboxID' : read.kind === 'gone' ? 'the message is gone from the spool' : read.kind === 'unreachable' ? read.detail : read.error;
    emit({type: 'warning', at: at(), message: `${record.liid} HI3: no content for ${ref.mailbox} UID ${ref.uid} (${why}): the IRI record is sent, the CC record is not`});
    return undefined;
  };

  let purgeDueAt = 0;
  /** Drops the bytes of PDUs delivered longer ago than keepDeliveredMs: a batch per round, every few minutes. */
  const purge = () => {
    if (options.keepDeliveredMs === undefined || now() < purgeDueAt) return;
    const purged = queue.purgeDelivered(now() - options.keepDeliveredMs, now(), PURGE_BATCH);
    summary.purged += purged;
    if (purged < PURGE_BATCH) purgeDueAt = now() + Math.min(PURGE_EVERY_MS, options.keepDeliveredMs);
  };

  refreshSenders();
  await followUntilSignal<number>({
    round: () => {
      refreshSenders();
      purge();
      const page = notifications.pageReceived(cursor as number, SERVE_BATCH);
      options.onLag?.(page.length === 0 ? 0 : Math.max(0, now() - (page[0] as {received_at: number}).received_at));
      if (page.length === 0) return 0;
      const mapped: Array<{eventId: number; items: PduToEnqueue[]}> = [];
      for (const n of page) {
        try {
          mapped.push({eventId: n.id, items: mapOne(n.id, n.received_at, n.raw)});
        } catch (error) {
          // A mapping bug must not stop interception of the other events: said, and skipped.
          emit({type: 'error', at: at(), message: `notification ${n.id} could not be mapped: ${errorMessage(error)}`});
        }
      }
      cursor = (page.at(-1) as {id: number}).id;
      const written = queue.enqueueEvents(mapped, cursor, now(), (eventId, error) => {
        emit({type: 'error', at: at(), message: `notification ${eventId} could not be encoded: ${errorMessage(error)}`});
      });
      summary.records += written.length;
      summary.events += page.length;
      // Each destination's sender is handed its new PDUs, in sequence order (a sender is made for a warrant
      // over that got PDUs of events inside its period).
      const woken = new Map<string, QueuedPdu[]>();
      for (const pdu of written) {
        const key = `${pdu.interceptId}:${pdu.hi}`;
        const list = woken.get(key);
        if (list === undefined) woken.set(key, [pdu]);
        else list.push(pdu);
      }
      for (const [key, pdus] of woken) {
        const first = pdus[0] as QueuedPdu;
        (senders.get(key) ?? senderFor(byId.get(first.interceptId) as Intercept, first.interceptId, first.hi)).wake(pdus);
      }
      return page.length;
    },
    idle: (n) => n < SERVE_BATCH,
    merge: (total, n) => total + n,
    idleMs: options.pollMs ?? SERVE_POLL_MS,
    signals: options.signals,
  });
  await Promise.all([...closing, ...[...senders.values()].map((s) => s.close())]);
  emit({type: 'stopped', at: at(), ...summary});
  return summary;
}

function hiName(hi: Hi): HiName {
  return hi === 2 ? 'HI2' : 'HI3';
}

/**
 * The communication identity number (CIN) of a record: one per IMAP/LMTP session (its Cyrus session id),
 * else one per message, else one per notification; 31 bits of a SHA-256, so the same session gives the
 * same CIN across restarts.
 */
function communicationId(event: BonnieEvent, record: InterceptRecord, notificationId: number): number {
  const key = event.sessionId ?? (record.kind === 'cc' ? `${record.messageRef.mailboxId ?? record.messageRef.mailbox}/${record.messageRef.uid}` : `n${notificationId}`);
  let cin = recentCins.get(key);
  if (cin === undefined) {
    cin = createHash('sha256').update(key).digest().readUInt32BE(0) & 0x7f_ff_ff_ff;
    if (recentCins.size >= RECENT_CINS) recentCins.clear();
    recentCins.set(key, cin);
  }
  return cin;
}
/** The CINs of the last sessions and messages seen (an IRI and a CC record share theirs; a session many). */
const recentCins = new Map<string, number>();
const RECENT_CINS = 1024;
