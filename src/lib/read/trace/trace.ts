/**
 * `bonnie trace`: a message's path through the MTAs (from `bonnie maillog`'s transport record) joined to
 * what the mail store did with it (the record). Issue 18.
 *
 * Hops are joined three ways, each followed both directions until nothing new is found:
 * - a delivery's `queued as X` (the next hop's 250 reply) to the entry with queue ID X first seen within
 *   HOP_WINDOW_MS of it, on whatever host (clocks drift; queue IDs repeat only over days);
 * - a bounce notice to the entry it reports on;
 * - entries with the same Message-ID (a hop whose reply named no queue ID, e.g. a foreign MTA).
 * The mailbox: a delivery by LMTP to Cyrus logs Cyrus' session ID (`SESSIONID=<...>` in lmtpd's 250 reply);
 * the MessageNew events of that session (with the same Message-ID, when several messages shared the
 * session) are where it was placed. Without it, the record's messages with the same Message-ID.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError} from '../../base/errors.js';
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import {TransportReader, type Delivery, type MailboxDelivery, type QueueEntry, type Reject} from '../../pipeline/maillog/transport-reader.js';
import {findMessages} from '../../pipeline/record/messages.js';
import {ChangeReader} from '../../pipeline/record/read-changes.js';
import {PlacementReader} from '../../pipeline/record/read-placements.js';
import {messageHistory, type MessageHistory} from '../discovery/message-history.js';
import {parseMessageRef, resolveMessage, type MessageRef} from '../discovery/refs.js';

/** What to trace. */
export type TraceQuery =
  | {kind: 'message-id'; messageId: string}
  | {kind: 'queue-id'; queueId: string}
  | {kind: 'message'; ref: MessageRef}
  | {kind: 'filter'; from?: string; to?: string; since?: number; until?: number};

export interface TraceOptions {
  /** At most this many messages (traces) for a filter. Default 50. */
  limit?: number;
  /** Timeline entries per message history. Default 20 (the newest). */
  historyLimit?: number;
}

/** One delivery attempt as a trace shows it. */
export interface TraceDelivery {
  at: string;
  program: string;
  to: string;
  origTo: string | null;
  relay: string | null;
  status: Delivery['status'];
  dsn: string | null;
  reason: string | null;
  /** The queue ID the next hop gave it, and that hop's host when its log was read. */
  nextQueueId: string | null;
  nextHost: string | null;
  /** Cyrus' LMTP session, when it was delivered to Cyrus. */
  sessionId: string | null;
}

/** One queue entry on one host. */
export interface TraceHop {
  host: string;
  mta: QueueEntry['mta'];
  queueId: string;
  /** How it entered the queue: from a client (SMTP), a local pickup, as a notice (bounce) of another entry. */
  origin: QueueEntry['origin'];
  /** For a notice: the queue ID it reports on. */
  noticeOf: string | null;
  receivedAt: string;
  removedAt: string | null;
  client: string | null;
  protocol: string | null;
  from: string | null;
  size: number | null;
  nrcpt: number | null;
  messageId: string | null;
  deliveries: TraceDelivery[];
}

/** Where the message ended up in the mail store. */
export interface TracePlacement {
  at: string;
  sessionId: string | null;
  messageRef: string;
  /** `<folder>:<uid>` as `history --message` accepts it. */
  placementRef: string;
  folder: string | null;
}

/** A recipient's outcome: the last attempt at the last hop bonnie saw. */
export interface TraceOutcome {
  recipient: string;
  /** `delivered` (sent into the mail store), `sent` (handed to a host whose log bonnie has not read), or the MTA's status. */
  status: 'delivered' | 'sent' | 'deferred' | 'bounced' | 'expired';
  host: string;
  at: string;
  reason: string | null;
}

export interface Trace {
  messageId: string | null;
  hops: TraceHop[];
  outcomes: TraceOutcome[];
  placements: TracePlacement[];
  /** Cyrus lmtpd's own `Delivered:` lines, when its log was read. */
  lmtpd: Array<{at: string; host: string; mailbox: string}>;
  /** What happened to it in the mailbox: `bonnie history --message` of each message it became. */
  history: MessageHistory[];
}

export interface TraceReport {
  traces: Trace[];
  /** For a filter: refusals before a queue ID existed (Postfix `NOQUEUE: reject`). */
  rejects: Array<{at: string; host: string; client: string | null; from: string | null; to: string | null; dsn: string | null; reason: string | null}>;
  /** More traces matched than `limit`. */
  truncated: boolean;
}

/** Traces `query`. Throws BonnieError TraceNotFound when neither the logs nor the record know it. */
export function traceMessages(db: Db, query: TraceQuery, options: TraceOptions = {}): TraceReport {
  const transport = new TransportReader(db);
  const limit = options.limit ?? 50;
  let starts: QueueEntry[];
  let recordIds: number[] = [];
  let rejects: Reject[] = [];
  switch (query.kind) {
    case 'message-id':
      starts = transport.byMessageId(query.messageId);
      recordIds = findMessages(db, {kind: 'message-id', messageId: query.messageId}).map((m) => m.id);
      break;
    case 'queue-id':
      starts = transport.byQueueId(query.queueId);
      break;
    case 'message': {
      const id = resolveMessage(db, query.ref);
      recordIds = [id];
      const messageId = new PlacementReader(db).message(id)?.message_id ?? null;
      starts = messageId === null ? [] : transport.byMessageId(messageId);
      break;
    }
    case 'filter':
      starts = transport.filter({...query, limit: limit + 1});
      rejects = transport.rejects({...query, limit: limit + 1});
  }
  if (starts.length === 0 && recordIds.length === 0 && rejects.length === 0) {
    throw new BonnieError('TraceNotFound', `no MTA log line and no message in the record match ${describe(query)}`, {
      hint: 'Read the MTA logs first ("bonnie maillog /var/log/mail.log*"), and check the Message-ID with its angle brackets or the queue ID as the MTA logged it.',
    });
  }

  const components = connect(transport, starts);
  const truncated = components.length > limit;
  const traces = components.slice(0, limit).map((entries) => buildTrace(db, transport, entries, options));
  if (traces.length === 0 && recordIds.length > 0) {
    // The record knows the message but no log was read for it (delivered before `bonnie maillog` ran).
    traces.push({messageId: null, hops: [], outcomes: [], placements: [], lmtpd: [], history: recordIds.map((id) => messageHistory(db, {kind: 'message', id}, {limit: options.historyLimit ?? 20}))});
    traces[0]!.messageId = traces[0]!.history[0]?.message.messageId ?? null;
  }
  return {
    traces,
    rejects: rejects.slice(0, limit).map((r) => ({at: isoTime(r.at), host: r.host, client: r.client, from: r.sender, to: r.recipient, dsn: r.dsn, reason: r.reason})),
    truncated: truncated || rejects.length > limit,
  };
}

/** Groups `starts` into connected sets of entries (one per message), each sorted by first line. */
function connect(transport: TransportReader, starts: readonly QueueEntry[]): QueueEntry[][] {
  const seen = new Map<number, number>();
  const groups: QueueEntry[][] = [];
  for (const start of starts) {
    if (seen.has(start.id)) continue;
    const group: QueueEntry[] = [];
    const todo = [start];
    seen.set(start.id, groups.length);
    while (todo.length > 0) {
      const entry = todo.pop() as QueueEntry;
      group.push(entry);
      const next: QueueEntry[] = [];
      for (const delivery of transport.deliveries(entry.id)) {
        const hop = transport.nextHop(delivery);
        if (hop !== undefined) next.push(hop);
      }
      next.push(...transport.previousHops(entry), ...transport.notices(entry.id));
      if (entry.parentId !== null) next.push(transport.entry(entry.parentId) as QueueEntry);
      if (entry.messageId !== null && entry.origin !== 'notice') next.push(...transport.byMessageId(entry.messageId));
      for (const found of next) {
        if (seen.has(found.id)) continue;
        seen.set(found.id, groups.length);
        todo.push(found);
      }
    }
    groups.push(transport.inPathOrder(group));
  }
  return groups;
}


function buildTrace(db: Db, transport: TransportReader, entries: readonly QueueEntry[], options: TraceOptions): Trace {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const messageId = entries.find((e) => e.origin !== 'notice' && e.messageId !== null)?.messageId ?? entries[0]?.messageId ?? null;
  const hops: TraceHop[] = [];
  const leaves: Array<{delivery: Delivery; host: string}> = [];
  const sessions = new Set<string>();
  for (const entry of entries) {
    const deliveries: TraceDelivery[] = [];
    for (const d of transport.deliveries(entry.id)) {
      const next = transport.nextHop(d);
      if (next === undefined || !byId.has(next.id)) leaves.push({delivery: d, host: entry.host});
      if (d.sessionId !== null && d.status === 'sent') sessions.add(d.sessionId);
      deliveries.push({
        at: isoTime(d.at),
        program: d.program,
        to: d.recipient,
        origTo: d.origRecipient,
        relay: d.relay,
        status: d.status,
        dsn: d.dsn,
        reason: d.reason,
        nextQueueId: d.nextQueueId,
        nextHost: next?.host ?? null,
        sessionId: d.sessionId,
      });
    }
    hops.push({
      host: entry.host,
      mta: entry.mta,
      queueId: entry.queueId,
      origin: entry.origin,
      noticeOf: entry.parentId === null ? null : (byId.get(entry.parentId)?.queueId ?? transport.entry(entry.parentId)?.queueId ?? null),
      receivedAt: isoTime(entry.firstAt),
      removedAt: isoTimeOrNull(entry.removedAt),
      client: entry.client,
      protocol: entry.protocol,
      from: entry.sender,
      size: entry.size,
      nrcpt: entry.nrcpt,
      messageId: entry.messageId,
      deliveries,
    });
  }

  // The mail store: what Cyrus delivered in the LMTP sessions the MTAs logged (or lmtpd's own auditlog
  // line named), then by Message-ID.
  const lmtpd: MailboxDelivery[] = messageId === null ? [] : transport.mailboxDeliveries(messageId);
  for (const l of lmtpd) if (l.sessionId !== null) sessions.add(l.sessionId);
  const changes = new ChangeReader(db);
  const messages = new Set<number>();
  const delivered: Array<{at: number; sessionId: string | null; message: number; mailboxId: string; uid: number}> = [];
  for (const session of sessions) {
    const rows = changes.deliveredInSession(session);
    const same = rows.filter((r) => messageId === null || r.message_id === messageId);
    for (const row of same.length > 0 ? same : rows.length === 1 ? rows : []) {
      messages.add(row.message_row);
      delivered.push({at: row.at, sessionId: session, message: row.message_row, mailboxId: row.mailbox_id, uid: row.uid});
    }
  }
  if (messageId !== null) for (const m of findMessages(db, {kind: 'message-id', messageId})) messages.add(m.id);
  const history = [...messages].sort((a, b) => a - b).map((id) => messageHistory(db, {kind: 'message', id}, {limit: options.historyLimit ?? 20}));
  const placements = delivered.map((d): TracePlacement => {
    const h = history.find((x) => x.message.id === d.message);
    const p = h?.placements.find((x) => x.mailboxId === d.mailboxId && x.uid === d.uid);
    return {at: isoTime(d.at), sessionId: d.sessionId, messageRef: h?.message.ref ?? `msg:${d.message}`, placementRef: p?.ref ?? `${d.mailboxId}:${d.uid}`, folder: p?.folderThen ?? p?.folder ?? null};
  });
  return {
    messageId,
    hops,
    outcomes: outcomes(leaves, sessions, placements),
    placements,
    lmtpd: lmtpd.map((l) => ({at: isoTime(l.at), host: l.host, mailbox: l.mailbox})),
    history,
  };
}

/** Each recipient's last attempt at the last hop, per host. */
function outcomes(leaves: ReadonlyArray<{delivery: Delivery; host: string}>, sessions: ReadonlySet<string>, placements: readonly TracePlacement[]): TraceOutcome[] {
  const last = new Map<string, {delivery: Delivery; host: string}>();
  for (const leaf of leaves) last.set(`${leaf.host}\u0000${leaf.delivery.recipient}`, leaf);
  return [...last.values()].map(({delivery: d, host}) => {
    const intoStore = d.status === 'sent' && d.sessionId !== null && sessions.has(d.sessionId) && placements.some((p) => p.sessionId === d.sessionId);
    return {
      recipient: d.recipient,
      status: intoStore || (d.status === 'sent' && d.relay === 'local') ? 'delivered' : d.status,
      host,
      at: isoTime(d.at),
      reason: d.reason,
    };
  });
}

function describe(query: TraceQuery): string {
  switch (query.kind) {
    case 'message-id':
      return `Message-ID ${query.messageId}`;
    case 'queue-id':
      return `queue ID ${query.queueId}`;
    case 'message':
      return 'the message';
    case 'filter':
      return [query.from && `from ${query.from}`, query.to && `to ${query.to}`].filter(Boolean).join(' ') || 'the time range';
  }
}

/** Postfix (hex, or the long base-52 form) and Exim (old and 4.97+ forms) queue IDs: letters, digits, dashes. */
const QUEUE_ID = /^[A-Za-z0-9][A-Za-z0-9-]{5,30}$/;

/**
 * What `bonnie trace TARGET` names: a Message-ID (`<id@host>` or `id@host`), a message reference bonnie
 * printed (emailid, msg:<n>, <folder>:<uid>), or else a queue ID as the MTA logged it. Throws BonnieError
 * RefInvalid (usage) for text that is none of them.
 */
export function parseTraceTarget(text: string): TraceQuery {
  const target = text.trim();
  if (target.includes('@')) {
    const ref = parseMessageRef(target);
    if (ref.kind === 'message-id') return {kind: 'message-id', messageId: ref.messageId};
  }
  if (QUEUE_ID.test(target) && !/^M[0-9a-f]{24}$/.test(target)) return {kind: 'queue-id', queueId: target};
  return {kind: 'message', ref: parseMessageRef(target)};
}
